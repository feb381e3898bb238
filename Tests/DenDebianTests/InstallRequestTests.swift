import DenDebian
import Testing

@Suite("InstallRequest")
struct InstallRequestTests {
    @Test(arguments: [
        ("bash", "bash", nil, nil),
        ("bash=5.2.15-2+b7", "bash", nil, "5.2.15-2+b7"),
        ("libc6:i386", "libc6", "i386", nil),
        ("libc6:i386=2.36-9+deb12u13", "libc6", "i386", "2.36-9+deb12u13"),
        ("g++=4:12.2.0-3", "g++", nil, "4:12.2.0-3"),
    ] as [(String, String, String?, String?)])
    func parses(text: String, name: String, architecture: String?, version: String?) throws {
        let request = try InstallRequest(text)
        #expect(request.name == name)
        #expect(request.architecture == architecture)
        #expect(request.version?.description == version)
        #expect(request.description == text)
    }

    @Test(arguments: ["", "bash=", "-bash", "bash:any", "bash:native", "bash (>= 1)", "bash=1 2", "a|b"])
    func rejects(text: String) {
        #expect(throws: DebianError.self) { try InstallRequest(text) }
    }
}
