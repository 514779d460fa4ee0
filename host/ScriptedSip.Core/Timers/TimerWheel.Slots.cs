namespace ScriptedSip.Core.Timers;

/// <summary>The slot lists: intrusive doubly linked lists whose nodes are the handles. Caller holds the lock.</summary>
public sealed partial class TimerWheel
{
    private void Link(TimerHandle handle, int slot)
    {
        // Order inside a slot does not matter: a sweep sorts what it fires by due time.
        TimerHandle? head = _heads[slot];
        handle.Slot = slot;
        handle.Previous = null;
        handle.Next = head;
        if (head is not null)
        {
            head.Previous = handle;
        }

        _heads[slot] = handle;
    }

    private void Unlink(TimerHandle handle)
    {
        if (handle.Previous is null)
        {
            _heads[handle.Slot] = handle.Next;
        }
        else
        {
            handle.Previous.Next = handle.Next;
        }

        if (handle.Next is not null)
        {
            handle.Next.Previous = handle.Previous;
        }

        // Cut the links so a retired handle held by its owner does not keep its former neighbours alive.
        handle.Previous = null;
        handle.Next = null;
        handle.Slot = -1;
    }

    private void RetireAll()
    {
        for (int slot = 0; slot < _heads.Length; slot++)
        {
            TimerHandle? node = _heads[slot];
            _heads[slot] = null;
            while (node is not null)
            {
                TimerHandle? next = node.Next;
                node.Previous = null;
                node.Next = null;
                node.Slot = -1;
                node.Retire();
                node = next;
            }
        }
    }
}
