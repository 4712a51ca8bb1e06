/// An error in what a person wrote (a config, a cron expression, a URL, dates, params), as
/// opposed to a failure of the system: the command line exits 2 on one, and its message says
/// what to change.
public protocol BadInput: Error, CustomStringConvertible {}
