// libFuzzer target for the manifest syntax: DenTOML, which reads every den.toml and den.lock.
//
// DenCore's `Manifest.parse` is not called: it would pull DenCore, and with it SwiftNIO and
// AsyncHTTPClient, into every fuzz build (minutes of instrumented release build for a schema
// walk over an already parsed table). The parser is where hostile bytes meet the code.
//
// Invariants checked beyond "no crash, no sanitizer report":
// - a parse error points at a real position (line and column from 1);
// - a parsed document renders to text that parses back to an equal table, and rendering that
//   table gives the same text again (what `den lock` relies on to write stable lockfiles).
import DenTOML
import Glibc

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    // den refuses a manifest that is not valid UTF-8 before parsing it (Project.swift), so the
    // parser never sees anything else; repairing instead keeps every input useful.
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let table: TOMLTable
    do {
        table = try TOML.parse(text)
    } catch {
        guard error.position.line >= 1, error.position.column >= 1 else {
            violated("parse error at an impossible position: \(error)")
        }
        return 0
    }
    let rendered = TOML.render(table)
    let reparsed: TOMLTable
    do {
        reparsed = try TOML.parse(rendered)
    } catch {
        violated("rendered document does not parse: \(error)\n--- rendered:\n\(rendered)")
    }
    guard reparsed == table else {
        violated("rendered document parses to a different table\n--- rendered:\n\(rendered)")
    }
    let rerendered = TOML.render(reparsed)
    guard rerendered == rendered else {
        violated("rendering is not stable\n--- first:\n\(rendered)\n--- second:\n\(rerendered)")
    }
    return 0
}

/// A broken invariant is a finding: report it and abort so libFuzzer saves the input.
func violated(_ message: String) -> Never {
    var line = "fuzz-manifest: \(message)\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    abort()
}
