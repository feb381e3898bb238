import CLibFuzzer
import Glibc

// SwiftPM points an executable's `main` at its module's top-level code, so libFuzzer's own
// `main` never runs: start its driver here, on the @_cdecl LLVMFuzzerTestOneInput function.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzDeb822))
