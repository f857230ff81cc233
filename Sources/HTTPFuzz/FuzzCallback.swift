#if FUZZING
import HTTP1

/// libFuzzer's entry point that runs the fuzzer with `callback` on each input.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// One fuzz input through the request path; never isolated to the main actor.
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    HTTPRequestFuzzing._fuzzOneInput(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#endif
