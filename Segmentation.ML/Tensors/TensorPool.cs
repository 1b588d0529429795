using System.Numerics;

namespace Segmentation.ML.Tensors;

/// <summary>
/// A pool of float buffers for tensors, capped in retained bytes and trimmable. Buffers come in size
/// classes (powers of two and 1.5× powers of two) so that a freed buffer serves the next request of a
/// similar size; once the cap is reached, returned buffers are left to the garbage collector.
/// </summary>
public sealed class TensorPool
{
    private const int SmallestClassLength = 64;
    private readonly object gate = new();
    private readonly Dictionary<int, Stack<float[]>> free = new();
    private long retainedBytes;
    private long maxRetainedBytes;

    /// <summary>The pool shared by tensors created without an explicit pool.</summary>
    public static TensorPool Shared { get; } = new(maxRetainedBytes: 1L << 30);

    /// <summary>Creates a pool that keeps at most <paramref name="maxRetainedBytes"/> of free buffers.</summary>
    public TensorPool(long maxRetainedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetainedBytes);
        this.maxRetainedBytes = maxRetainedBytes;
    }

    /// <summary>The cap on bytes held by free buffers; lowering it trims at once.</summary>
    public long MaxRetainedBytes
    {
        get => Interlocked.Read(ref maxRetainedBytes);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            lock (gate)
            {
                maxRetainedBytes = value;
                TrimTo(value);
            }
        }
    }

    /// <summary>Bytes currently held by free buffers.</summary>
    public long RetainedBytes
    {
        get { lock (gate) return retainedBytes; }
    }

    /// <summary>Releases every free buffer to the garbage collector.</summary>
    public void Trim()
    {
        lock (gate) TrimTo(0);
    }

    /// <summary>Rents a buffer of at least <paramref name="length"/> floats; its contents are undefined.</summary>
    public float[] Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int classLength = SizeClass(length);
        lock (gate)
        {
            if (free.TryGetValue(classLength, out var stack) && stack.Count > 0)
            {
                retainedBytes -= (long)classLength * sizeof(float);
                return stack.Pop();
            }
        }
        return GC.AllocateUninitializedArray<float>(classLength);
    }

    /// <summary>Returns a buffer obtained from <see cref="Rent"/>.</summary>
    public void Return(float[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.Length != SizeClass(buffer.Length))
            throw new ArgumentException("The buffer was not rented from a TensorPool.", nameof(buffer));
        long bytes = (long)buffer.Length * sizeof(float);
        lock (gate)
        {
            if (retainedBytes + bytes > maxRetainedBytes) return;
            if (!free.TryGetValue(buffer.Length, out var stack)) free[buffer.Length] = stack = new Stack<float[]>();
            stack.Push(buffer);
            retainedBytes += bytes;
        }
    }

    internal static int SizeClass(int length)
    {
        if (length <= SmallestClassLength) return SmallestClassLength;
        long power = (long)BitOperations.RoundUpToPowerOf2((uint)length);
        long threeQuarters = power / 4 * 3;
        long size = length <= threeQuarters ? threeQuarters : power;
        if (size > Array.MaxLength) size = length;
        return (int)size;
    }

    private void TrimTo(long bytes)
    {
        foreach (var (classLength, stack) in free.OrderByDescending(pair => pair.Key))
        {
            while (retainedBytes > bytes && stack.Count > 0)
            {
                stack.Pop();
                retainedBytes -= (long)classLength * sizeof(float);
            }
        }
    }
}
