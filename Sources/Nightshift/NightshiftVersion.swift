/// This build's version, as `nightshift --version` prints it.
public enum NightshiftVersion {
    /// The version, `MAJOR.MINOR.PATCH`.
    public static let current = "0.1.0"
}
