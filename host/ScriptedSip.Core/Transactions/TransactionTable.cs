using System.Net;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// The hash table of live transactions, Kamailio-style: a transaction's index is its bucket, each
/// bucket is a short chain guarded by one of a set of striped locks. Lookups touch one bucket;
/// nothing ever scans the table except a graceful stop.
/// </summary>
public sealed class TransactionTable
{
    public const int BucketCount = 65536;
    private const int LockStripes = 1024;

    private readonly SipTransaction?[] _buckets = new SipTransaction?[BucketCount];
    private readonly Lock[] _locks = Enumerable.Range(0, LockStripes).Select(_ => new Lock()).ToArray();
    private int _count;

    /// <summary>Transactions in the table now.</summary>
    public int Count => Volatile.Read(ref _count);

    internal SipTransaction? Find(in ServerKey key)
    {
        var index = key.Hash % BucketCount;
        lock (_locks[index % LockStripes])
        {
            for (var t = _buckets[index]; t is not null; t = t.NextInBucket)
            {
                if (t.Key.Equals(key))
                {
                    return t;
                }
            }
        }

        return null;
    }

    /// <summary>The transaction with this id, or null (unknown index, wrong label, already gone).</summary>
    public SipTransaction? Find(TransactionId id)
    {
        if (id.Index >= BucketCount)
        {
            return null;
        }

        lock (_locks[id.Index % LockStripes])
        {
            for (var t = _buckets[id.Index]; t is not null; t = t.NextInBucket)
            {
                if (t.Label == id.Label)
                {
                    return t;
                }
            }
        }

        return null;
    }

    /// <summary>The transaction whose branch key is in a reply's Via branch.</summary>
    internal SipTransaction? FindByBranchKey(uint index, uint branchKey)
    {
        if (index >= BucketCount)
        {
            return null;
        }

        lock (_locks[index % LockStripes])
        {
            for (var t = _buckets[index]; t is not null; t = t.NextInBucket)
            {
                if (t.BranchKey == branchKey)
                {
                    return t;
                }
            }
        }

        return null;
    }

    /// <summary>Creates the transaction for a request, or returns the one that already exists for it.</summary>
    internal SipTransaction GetOrAdd(in ServerKey key, SipMessage request, SocketAddress source, SocketAddress replyTo, ISipTransport transport, out bool created)
    {
        var index = key.Hash % BucketCount;
        lock (_locks[index % LockStripes])
        {
            for (var t = _buckets[index]; t is not null; t = t.NextInBucket)
            {
                if (t.Key.Equals(key))
                {
                    created = false;
                    return t;
                }
            }

            var transaction = new SipTransaction(index, key, request.Buffer.ToArray(), source, replyTo, transport, request.Method, Transport.CallIdHasher.Hash(request.Buffer.Span, source))
            {
                NextInBucket = _buckets[index],
            };
            _buckets[index] = transaction;
            Interlocked.Increment(ref _count);
            created = true;
            return transaction;
        }
    }

    internal bool Remove(SipTransaction transaction)
    {
        var index = transaction.Index;
        lock (_locks[index % LockStripes])
        {
            SipTransaction? previous = null;
            for (var t = _buckets[index]; t is not null; previous = t, t = t.NextInBucket)
            {
                if (ReferenceEquals(t, transaction))
                {
                    if (previous is null)
                    {
                        _buckets[index] = t.NextInBucket;
                    }
                    else
                    {
                        previous.NextInBucket = t.NextInBucket;
                    }

                    t.NextInBucket = null;
                    Interlocked.Decrement(ref _count);
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Every live transaction (graceful stop only).</summary>
    public IReadOnlyList<SipTransaction> Snapshot()
    {
        var all = new List<SipTransaction>();
        for (var index = 0; index < BucketCount; index++)
        {
            lock (_locks[index % LockStripes])
            {
                for (var t = _buckets[index]; t is not null; t = t.NextInBucket)
                {
                    all.Add(t);
                }
            }
        }

        return all;
    }
}
