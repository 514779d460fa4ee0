using Microsoft.Extensions.Logging;

namespace ScriptedSip.Core.Transactions;

/// <summary>Log lines of the transaction layer, each with the Call-ID or transaction id.</summary>
internal static partial class TransactionLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "[{Tag}] {Function} ignored: the transaction timed out while the route was waiting")]
    public static partial void StaleAction(ILogger logger, string tag, string function);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "[{Tag}] reply {Code} not sent: a final reply was already sent")]
    public static partial void AlreadyFinal(ILogger logger, string tag, int code);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "TContinue({Index}, {Label}, {Route}) failed: {Reason}")]
    public static partial void ResumeFailed(ILogger logger, string index, string label, string route, string reason);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "[{Tag}] TSuspend failed: {Reason}")]
    public static partial void SuspendFailed(ILogger logger, string tag, string reason);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "[{Tag}] {Function} failed: {Reason}")]
    public static partial void AsyncFailed(ILogger logger, string tag, string function, string reason);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "[{Tag}] TRelay failed: {Reason}")]
    public static partial void RelayFailed(ILogger logger, string tag, string reason);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Transaction {Index}:{Label} timed out while suspended: {Outcome}")]
    public static partial void SuspendTimedOut(ILogger logger, uint index, uint label, string outcome);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "Transaction {Transaction} branch {Branch} to {Destination} failed at once: {Reason}; the branch ends with 503")]
    public static partial void BranchUnreachable(ILogger logger, string transaction, int branch, string destination, string reason);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "[{Tag}] unexpected error in the transaction layer")]
    public static partial void Unexpected(ILogger logger, string tag, Exception exception);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Information, Message = "[{Tag}] branch {Number} ended with {Status}: failing over to the next DNS target of '{Host}'")]
    public static partial void FailingOver(ILogger logger, string tag, int number, int status, string host);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "[{Tag}] branch {Number} skips {Target}: {Reason}")]
    public static partial void TargetSkipped(ILogger logger, string tag, int number, string target, string reason);
}
