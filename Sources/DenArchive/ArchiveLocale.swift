#if canImport(Glibc)
import Glibc
#endif

/// libarchive converts entry names through the C library's character type; in the default
/// "C" locale it fails on (or crashes with) non-ASCII names. Only LC_CTYPE matters, and it is
/// set when den first opens an archive rather than at every start: loading it costs ~0.1 ms,
/// and `den run` on a built env opens none. Every archive waits for this once-initialised
/// value, so none is read under the old locale.
enum ArchiveLocale {
    static let isSet: Bool = setlocale(LC_CTYPE, "C.UTF-8") != nil
}
