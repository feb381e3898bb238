import Glibc

extension SafeExtractor {
    /// A directory below the root, open, with the real (symlink-free) components leading to it.
    struct ResolvedDirectory {
        var descriptor: Descriptor
        var components: [String]
    }

    private struct PendingComponent {
        var name: String
        /// The symlink (a path inside the root) whose target produced this component.
        var symlink: String?
    }

    /// The kernel's own limit on symlinks followed during one lookup.
    static let maxSymlinkHops = 40

    /// Walks `components` from the root one `openat(O_NOFOLLOW | O_DIRECTORY)` at a time. Missing
    /// directories named by the entry itself are created (0755) when `creatingMissing`; symlinks
    /// are handled by the policy: a target is expanded in place of the symlink, absolute targets
    /// restart from the root, and a `..` is taken by going back up the real path, never above the root.
    func resolveDirectory(_ components: ArraySlice<String>, for entryPath: String, creatingMissing: Bool) throws(ArchiveError) -> ResolvedDirectory {
        let request = Array(components)
        var states = [ResolvedDirectory(descriptor: root, components: [])]
        if let cache = resolutionCache {
            var shared = 0
            while shared < request.count, shared < cache.request.count, request[shared] == cache.request[shared] { shared += 1 }
            states = Array(cache.states.prefix(shared + 1))
        }
        // Each component is resolved fully (its symlinks expanded) before the next, so the
        // state after it is where a lookup sharing the prefix can start.
        for index in (states.count - 1)..<request.count {
            let last = states[states.count - 1]
            states.append(try resolve(request[index], from: last, for: entryPath, creatingMissing: creatingMissing))
        }
        resolutionCache = (request, states)
        return states[request.count]
    }

    /// Forgets the cached lookups: the tree's directories or symlinks changed.
    func invalidateResolutionCache() {
        resolutionCache = nil
    }

    /// One component from `start`, symlinks expanded by the policy.
    private func resolve(
        _ component: String, from start: ResolvedDirectory, for entryPath: String, creatingMissing: Bool
    ) throws(ArchiveError) -> ResolvedDirectory {
        var current = start.descriptor
        var real = start.components
        var pending = [PendingComponent(name: component, symlink: nil)]
        var hops = 0
        // Retries of one component after a lost race with another creator; reset on progress.
        var creationRetries = 0
        while let next = pending.popLast() {
            if next.name.isEmpty || next.name == "." { continue }
            if next.name == ".." {
                guard !real.isEmpty else {
                    throw .unresolvableSymlink(path: entryPath, symlink: next.symlink ?? "", reason: .escapesRoot)
                }
                real.removeLast()
                current = try openStrictly(real, for: entryPath)
                continue
            }
            let name = CName(next.name)
            let failure: Errno
            do {
                current = try FileSystem.openDirectory(current.rawValue, name)
                real.append(next.name)
                creationRetries = 0
                continue
            } catch {
                failure = error
            }
            switch failure.code {
            case ENOENT:
                if let symlink = next.symlink {
                    throw .unresolvableSymlink(path: entryPath, symlink: symlink, reason: .targetMissing)
                }
                guard creatingMissing, creationRetries < 8 else {
                    throw .system(operation: .openDirectory, path: entryPath, errno: ENOENT)
                }
                creationRetries += 1
                do {
                    try FileSystem.makeDirectory(current.rawValue, name, mode: 0o755)
                } catch where error.code == EEXIST {
                    // Someone made it meanwhile; open it on the next turn.
                } catch {
                    throw .system(operation: .createDirectory, path: entryPath, errno: error.code)
                }
                pending.append(next)
            case ELOOP, ENOTDIR:
                let info: stat
                do {
                    info = try FileSystem.status(current.rawValue, name)
                } catch {
                    throw .system(operation: .stat, path: entryPath, errno: error.code)
                }
                let shown = (real + [next.name]).joined(separator: "/")
                guard FileSystem.isSymlink(info) else {
                    throw .notADirectory(path: entryPath, component: shown)
                }
                guard options.symlinkPolicy == .followInsideRoot else {
                    throw .unresolvableSymlink(path: entryPath, symlink: shown, reason: .followingDisabled)
                }
                hops += 1
                guard hops <= Self.maxSymlinkHops else {
                    throw .unresolvableSymlink(path: entryPath, symlink: shown, reason: .tooManyLevels)
                }
                let targetBytes: [UInt8]
                do {
                    targetBytes = try FileSystem.readLink(current.rawValue, name)
                } catch {
                    throw .system(operation: .readLink, path: entryPath, errno: error.code)
                }
                // An empty or non-UTF-8 target names nothing den could have put in the root.
                guard !targetBytes.isEmpty, let target = String(validating: targetBytes, as: UTF8.self) else {
                    throw .unresolvableSymlink(path: entryPath, symlink: shown, reason: .targetMissing)
                }
                if target.hasPrefix("/") {
                    real = []
                    current = root
                }
                let expansion = target.split(separator: "/", omittingEmptySubsequences: true)
                pending.append(contentsOf: expansion.reversed().map { PendingComponent(name: String($0), symlink: shown) })
            default:
                throw .system(operation: .openDirectory, path: entryPath, errno: failure.code)
            }
        }
        return ResolvedDirectory(descriptor: current, components: real)
    }

    /// Opens a real path from the root, following nothing.
    func openStrictly(_ components: [String], for entryPath: String = "") throws(ArchiveError) -> Descriptor {
        var current = root
        for component in components {
            do {
                current = try FileSystem.openDirectory(current.rawValue, CName(component))
            } catch {
                throw .system(operation: .openDirectory, path: entryPath.isEmpty ? components.joined(separator: "/") : entryPath, errno: error.code)
            }
        }
        return current
    }
}
