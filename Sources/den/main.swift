#if canImport(Glibc)
import Glibc
#endif
import DenCommands

// libarchive converts entry names through the locale; in the default "C" locale it fails on
// (or crashes with) non-ASCII names. C.UTF-8 is built into glibc, so this cannot fail.
setlocale(LC_ALL, "C.UTF-8")
// A closed pipe is an error to handle where it happens, not a reason to die silently.
signal(SIGPIPE, SIG_IGN)
await DenMain.run()
