import ArgumentParser

struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print a shell completion script.",
        discussion: """
            bash: den completion bash > ~/.local/share/bash-completion/completions/den
            zsh:  den completion zsh > "${fpath[1]}/_den"
            fish: den completion fish > ~/.config/fish/completions/den.fish
            """
    )

    @Argument(help: "The shell: bash, zsh or fish.")
    var shell: CompletionShell

    func run() {
        print(Den.completionScript(for: shell), terminator: "")
    }
}

extension CompletionShell: @retroactive ExpressibleByArgument {}
