import Data
import Metrics
import Tracker
import Training

/// Exit status and one-line message for an error a command threw. Each library module has its own
/// error type; this is the one place that maps them to statuses.
func describe(_ error: any Error) -> (Int32, String) {
  switch error {
  case let error as DataError: return (ExitStatus.dataError, error.message)
  case let error as PickleError: return (ExitStatus.dataError, error.message)
  case let error as SafetensorsError: return (ExitStatus.dataError, error.message)
  case let error as JSONParseError: return (ExitStatus.dataError, error.description)
  case let error as SyntheticConfigError: return (ExitStatus.usage, error.description)
  case let error as EncoderError:
    switch error.kind {
    case .unknownEncoder: return (ExitStatus.usage, error.message)
    case .hashMismatch: return (ExitStatus.dataError, error.message)
    case .notFetched, .fetchFailed: return (ExitStatus.failure, error.message)
    }
  case let error as MetricsError: return (ExitStatus.dataError, error.message)
  case let error as TrackerError:
    switch error.kind {
    case .usage: return (ExitStatus.usage, error.message)
    case .data: return (ExitStatus.dataError, error.message)
    case .state, .sqlite: return (ExitStatus.failure, error.message)
    }
  case let error as ConfigError: return (ExitStatus.usage, error.message)
  case let error as TrainingInterrupted: return (ExitStatus.interrupted, error.description)
  default: return (ExitStatus.failure, String(describing: error))
  }
}
