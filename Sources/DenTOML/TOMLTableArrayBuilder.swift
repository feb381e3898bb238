/// An array of tables made by `[[header]]` lines, open for more elements.
final class TOMLTableArrayBuilder {
    let position: TOMLPosition
    var elements: [TOMLTableBuilder] = []

    init(position: TOMLPosition) {
        self.position = position
    }
}
