#if canImport(Glibc)
import Glibc
#endif
import DenCommands

// libarchive converts entry names through the locale's character type; in the default "C"
// locale it fails on (or crashes with) non-ASCII names. C.UTF-8 is built into glibc. Only
// LC_CTYPE matters, and setting LC_ALL would load a dozen locale files on every start.
setlocale(LC_CTYPE, "C.UTF-8")
// A closed pipe is an error to handle where it happens, not a reason to die silently.
signal(SIGPIPE, SIG_IGN)
DenMain.run()
