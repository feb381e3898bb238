// The sandbox's result and error types are part of the core's API (`den run` reports them),
// so commands see them through DenCore rather than depending on DenSandbox themselves.
@_exported import enum DenSandbox.SandboxOutcome
@_exported import struct DenSandbox.SandboxError
@_exported import enum DenSandbox.Termination
@_exported import struct DenSandbox.SandboxSpec
@_exported import struct DenSandbox.RuntimeSession
@_exported import struct DenSandbox.TerminalSize
@_exported import enum DenDebian.ResolverError
@_exported import enum DenDebian.DebianError
@_exported import enum DenFetch.FetchError
@_exported import struct DenFetch.FetchConfiguration
@_exported import class DenFetch.Fetcher
@_exported import struct DenFetch.DownloadProgress
