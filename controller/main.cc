// Entry point of the piherd binary; everything else is in controller/cli.cc.
#include "controller/cli.h"

int main(int argc, char** argv) { return piherd::runCli(argc, argv); }
