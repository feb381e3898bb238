#if canImport(Glibc)
import Glibc
#endif
import DenCommands

// A closed pipe is an error to handle where it happens, not a reason to die silently.
signal(SIGPIPE, SIG_IGN)
DenMain.run()
