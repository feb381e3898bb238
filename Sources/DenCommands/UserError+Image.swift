import DenCore
import DenOCI
#if canImport(Glibc)
import Glibc
#endif

extension ImageError: UserErrorConvertible {
    var userError: UserError {
        switch self {
        case .noRegistry(let reference):
            return UserError(
                "the image '\(reference)' names no registry", why: "no alias or unqualified-search-registries entry in the host's registries.conf covers it",
                fix: "write the image in full (REGISTRY/REPOSITORY:TAG), or set \(RegistrySettings.registryVariable)=REGISTRY")
        case .unauthorized(let registry, let repository, let source?):
            return UserError("the registry '\(registry)' refused the credentials for '\(repository)'", why: "they come from \"\(source)\"",
                             fix: "log in again (`podman login \(registry)` or `docker login \(registry)`) or correct that file")
        case .unauthorized(let registry, let repository, nil):
            return UserError("the registry '\(registry)' requires authentication for '\(repository)'",
                             why: "den found no credentials for it",
                             fix: "log in with `podman login \(registry)` or `docker login \(registry)` (den reads their auth files, or $REGISTRY_AUTH_FILE)")
        case .notFound(let reference):
            return UserError("the image '\(reference)' does not exist", why: "its registry answered 404 (not found)",
                             fix: "check the repository and tag in den.toml's `base`; a locked digest that is gone needs `den update`")
        case .transfer(let error):
            if case .filesystem(_, ENOSPC) = error {
                return UserError("cannot download the image", why: "\(error)", fix: UserError.diskFullFix)
            }
            if case .connection(let url, _) = error, url.hasPrefix("https:") {
                return UserError("cannot reach the registry", why: "\(error)",
                                 fix: "check the network or proxy; a registry that speaks only plain http must be listed in \(RegistrySettings.insecureVariable) or as insecure in registries.conf")
            }
            return UserError("cannot download the image", why: "\(error)",
                             fix: "check the registry and your network or proxy; what was downloaded stays in the cache")
        case .digestMismatch:
            return UserError("the image's content does not match its digest", why: description,
                             fix: "nothing was used; if it is a cached file, remove it and run `den build` again")
        case .noPlatform:
            return UserError("the image does not run on this machine", why: description, fix: "choose an image built for this architecture")
        case .layer(let digest, let error):
            return UserError("cannot apply the image layer \(digest)", why: "\(error)",
                             fix: "the image is damaged or hostile; nothing of it was kept")
        case .local(let path, _):
            return UserError("cannot read the image's local source", why: description,
                             fix: "check that '\(path)' exists and is readable (den.toml's `base`)")
        case .damagedArchive:
            return UserError("cannot read the docker archive", why: description, fix: "write it again with `docker save -o FILE IMAGE`")
        case .malformed, .unsupportedMediaType, .unsupportedLayer, .authenticationFailed:
            return UserError("cannot use the image", why: description, fix: "check the image's reference; den reads OCI and Docker schema 2 images")
        }
    }
}

extension ImageBuildError: UserErrorConvertible {
    var userError: UserError {
        switch self {
        case .lockMismatch(let reference, let digest):
            return UserError("den.lock does not match the image '\(reference)'",
                             why: "the manifest \(digest) lists other blobs than den.lock does",
                             fix: "den.lock was edited by hand: run `den update` to pin the image again")
        case .blobMissing(let digest, let path):
            return UserError("the image blob \(digest) is missing from the cache", why: "'\(path)' is gone",
                             fix: "run `den build` again to download it")
        case .noApt(let reference):
            return UserError("den.toml lists `packages`, but the image '\(reference)' has no apt-get to install them",
                             fix: "use an image based on Debian or Ubuntu, or install them in the image itself and remove `packages`")
        case .unexpectedAptOutput(let line):
            return UserError("cannot read what the image's apt would install", why: "unexpected line: \(line)",
                             fix: "report this with the image's reference; den reads `apt-get install --print-uris`")
        }
    }
}
