namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// Whether a received request belongs to work already under way (an existing server transaction):
/// such requests share the reply lane of a worker that is behind. Implemented by the transaction
/// layer; the scheduler only asks, so it needs to know nothing about transactions.
/// </summary>
public interface IExistingTransactionProbe
{
    bool BelongsToExistingTransaction(ReadOnlySpan<byte> request);
}
