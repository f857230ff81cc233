// libFuzzer driver for the HTTP request path. Build and run it with scripts/fuzz.sh, which
// compiles with -DFUZZING, AddressSanitizer and SanitizerCoverage and links libFuzzer.
// The callback lives in FuzzCallback.swift: a closure written here would be main-actor
// isolated (BRIEF §3).
#if FUZZING
#if canImport(Glibc)
import Glibc
#endif

var arguments = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argumentValues, fuzzOneInput))
#else
print("threadgate-fuzz-http: built without FUZZING; run scripts/fuzz.sh to fuzz the HTTP request path")
#endif
