public enum DenVersion {
    public static let current = "0.1.0"
}
