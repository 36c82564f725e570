// Open MPI's C API (Debian libopenmpi-dev). Its predefined handles (MPI_COMM_WORLD,
// MPI_FLOAT, MPI_SUM, MPI_IN_PLACE...) are macros over addresses, which Swift cannot
// import: these inline functions return them.
#include <mpi.h>

static inline MPI_Comm netrun_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype netrun_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype netrun_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype netrun_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op netrun_mpi_sum(void) { return MPI_SUM; }
static inline void *netrun_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Errhandler netrun_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Request netrun_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *netrun_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline int netrun_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int netrun_mpi_success(void) { return MPI_SUCCESS; }
