/// An upkeep setting that cannot work: a period or a size that is not above zero.
public struct UpkeepSettingError: Error, CustomStringConvertible, Sendable {
    /// The setting, as the engine's configuration names it.
    public let setting: String
    /// What it was set to.
    public let value: String

    init(setting: String, value: Int) {
        self.setting = setting
        self.value = "\(value)"
    }

    init(setting: String, value: Duration) {
        self.setting = setting
        self.value = DurationText.format(value.inSeconds)
    }

    public var description: String { "the engine's \(setting) must be above zero (it is \(value))" }
}
