// libyaml's public header; netrun uses only its event parser (yaml_parser_*).
#include <yaml.h>
