import NetrunCLI
