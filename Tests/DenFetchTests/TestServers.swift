import Foundation

/// A python3 process serving HTTP on 127.0.0.1 for the duration of a test.
final class PythonServer: @unchecked Sendable {
    let port: Int
    private let process: Process

    /// Writes `script` into `directory` and runs it with `arguments`; the script prints its port.
    init(script: String, named name: String, in directory: URL, arguments: [String]) throws {
        let scriptURL = directory.appendingPathComponent(name)
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        let output = Pipe()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptURL.path] + arguments
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(process.processIdentifier, SIGKILL)
            throw TestServerError.noPort(name)
        }
        self.port = port
    }

    /// SIGKILL: the test runner blocks SIGTERM, and its children inherit the mask.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The text body of `path` (`/hits/...` on the mirror, `/log` on the proxy), fetched by
    /// python's urllib so the counters do not depend on the code under test.
    func text(_ path: String) throws -> String {
        let task = Process()
        task.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        task.arguments = ["python3", "-c", "import sys,urllib.request;sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())", url(path)]
        task.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        let output = Pipe()
        task.standardOutput = output
        try task.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        task.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

enum TestServerError: Error {
    case noPort(String)
}

/// The mirror stand-in. Paths:
/// - `/files/NAME` the file NAME from the served directory
/// - `/flaky/N/NAME` 500 for the first N requests of this path, then the file
/// - `/status/CODE` an empty answer with that status
/// - `/truncate/NAME` announces the whole file but sends half of it and closes
/// - `/slow/SECONDS/NAME` waits before answering
/// - `/stall/SECONDS/NAME` sends half the body, waits, then the rest
/// - `/redirect/REST` 302 to `/REST`
/// - `/hits/REST` how many times `/REST` was requested
let mirrorScript = #"""
import http.server, os, sys, threading, time

root = sys.argv[1]
hits = {}
lock = threading.Lock()

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, body=b"", headers=(), length=None):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def file(self, name):
        with open(os.path.join(root, name), "rb") as f:
            return f.read()

    def do_GET(self):
        parts = self.path.split("?")[0].split("/")
        kind, rest = parts[1], parts[2:]
        if kind == "hits":
            with lock:
                count = hits.get("/" + "/".join(rest), 0)
            return self.answer(200, str(count).encode())
        with lock:
            hits[self.path] = hits.get(self.path, 0) + 1
            count = hits[self.path]
        try:
            if kind == "files":
                self.answer(200, self.file(rest[0]))
            elif kind == "flaky":
                if count <= int(rest[0]):
                    self.answer(500, b"try again")
                else:
                    self.answer(200, self.file(rest[1]))
            elif kind == "status":
                self.answer(int(rest[0]), b"")
            elif kind == "truncate":
                data = self.file(rest[0])
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
            elif kind == "slow":
                time.sleep(float(rest[0]))
                self.answer(200, self.file(rest[1]))
            elif kind == "stall":
                data = self.file(rest[1])
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                time.sleep(float(rest[0]))
                self.wfile.write(data[len(data) // 2 :])
            elif kind == "redirect":
                self.answer(302, b"", [("Location", "/" + "/".join(rest))])
            else:
                self.answer(400, b"unknown path")
        except FileNotFoundError:
            self.answer(404, b"no such file")
        except (BrokenPipeError, ConnectionResetError):
            pass

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""#

/// A forward proxy: absolute-form GETs are fetched from the origin and relayed, CONNECT opens a
/// tunnel. `GET /log` (origin-form, to the proxy itself) lists the request lines it relayed.
let proxyScript = #"""
import http.client, http.server, select, socket, sys, threading

seen = []
lock = threading.Lock()

class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/log":
            with lock:
                body = "\n".join(seen).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        with lock:
            seen.append("GET " + self.path + " host=" + str(self.headers.get("Host")))
        if not self.path.startswith("http://"):
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        hostport, _, path = self.path[len("http://"):].partition("/")
        host, _, port = hostport.partition(":")
        upstream = http.client.HTTPConnection(host, int(port or 80), timeout=10)
        upstream.request("GET", "/" + path)
        response = upstream.getresponse()
        body = response.read()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        upstream.close()

    def do_CONNECT(self):
        with lock:
            seen.append("CONNECT " + self.path)
        host, _, port = self.path.partition(":")
        upstream = socket.create_connection((host, int(port)))
        self.send_response(200)
        self.end_headers()
        sockets = [self.connection, upstream]
        while True:
            readable, _, _ = select.select(sockets, [], [], 10)
            if not readable:
                break
            for s in readable:
                data = s.recv(65536)
                if not data:
                    upstream.close()
                    self.close_connection = True
                    return
                (upstream if s is self.connection else self.connection).sendall(data)

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

server = Server(("127.0.0.1", 0), Proxy)
print(server.server_address[1], flush=True)
server.serve_forever()
"""#
