using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Segmentation.ML.Models.Checkpoints.Storage;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Models.Checkpoints;

/// <summary>
/// One named tensor of a checkpoint: its dtype and shape, with its values read from the checkpoint only when asked
/// for (<see cref="ToFloat32()"/>, <see cref="CopyTo"/>, <see cref="ToInt64"/>, <see cref="ToBytes"/>), so that loading
/// a large checkpoint costs its metadata only. Values are returned in row-major order whatever the stored strides.
/// </summary>
/// <remarks>
/// A tensor loaded from a file reads that file again on each access, without keeping it open or locked; if the file
/// changes in between, the read fails with a <see cref="CheckpointFormatException"/>.
/// </remarks>
public sealed class CheckpointTensor
{
    private const int ChunkBytes = 1 << 22;

    private readonly int[] shape;
    private readonly StorageBytes storage;
    private readonly long byteOffset;
    private readonly long[]? strides;

    private readonly string? source;

    /// <param name="strides">Element strides, or null when the tensor is row-major contiguous from <paramref name="byteOffset"/>.</param>
    /// <param name="source">The checkpoint's path or name, for errors about the values.</param>
    internal CheckpointTensor(string name, CheckpointDType dtype, int[] shape, StorageBytes storage, long byteOffset, long[]? strides, string? source = null)
    {
        this.source = source;
        Name = name;
        DType = dtype;
        this.shape = shape;
        this.storage = storage;
        this.byteOffset = byteOffset;
        this.strides = strides;
        ElementCount = CountElements(shape);
    }

    /// <summary>The tensor's key in its state dict, e.g. <c>features.0.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The stored element type.</summary>
    public CheckpointDType DType { get; }

    /// <summary>The dimensions, outermost first (empty for a scalar); a copy, so changing it changes nothing here.</summary>
    public int[] Shape => (int[])shape.Clone();

    /// <summary>The number of dimensions.</summary>
    public int Rank => shape.Length;

    /// <summary>The number of elements: the product of the dimensions (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The number of bytes of the values in their stored dtype.</summary>
    public long ByteLength => ElementCount * DType.ElementSize();

    internal bool IsContiguous => strides is null;

    /// <summary>Creates an in-memory float32 tensor holding a copy of <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty, a dimension is negative, or the value count differs from the shape's element count.</exception>
    public static CheckpointTensor FromFloat32(string name, ReadOnlySpan<int> shape, ReadOnlySpan<float> values) =>
        FromBytes(name, CheckpointDType.F32, shape, MemoryMarshal.AsBytes(values));

    /// <summary>Creates an in-memory int64 tensor holding a copy of <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty, a dimension is negative, or the value count differs from the shape's element count.</exception>
    public static CheckpointTensor FromInt64(string name, ReadOnlySpan<int> shape, ReadOnlySpan<long> values) =>
        FromBytes(name, CheckpointDType.I64, shape, MemoryMarshal.AsBytes(values));

    /// <summary>Creates an in-memory tensor of any dtype from a copy of its little-endian, row-major bytes.</summary>
    /// <exception cref="ArgumentException">The name is empty, a dimension is negative, or the byte count differs from the shape's element count times the element size.</exception>
    public static CheckpointTensor FromBytes(string name, CheckpointDType dtype, ReadOnlySpan<int> shape, ReadOnlySpan<byte> littleEndianBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!Enum.IsDefined(dtype)) throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype.");
        foreach (int dimension in shape)
        {
            if (dimension < 0)
                throw new TensorShapeException($"Tensor '{name}' has shape {FormatShape(shape.ToArray())}; dimensions must be non-negative.", nameof(shape));
        }
        long expected = CountElements(shape) * dtype.ElementSize();
        if (littleEndianBytes.Length != expected)
            throw new TensorShapeException($"Tensor '{name}' of shape {FormatShape(shape.ToArray())} and dtype {dtype} needs {expected} bytes; {littleEndianBytes.Length} were given.", nameof(littleEndianBytes));
        return new CheckpointTensor(name, dtype, shape.ToArray(), new MemoryStorageBytes(littleEndianBytes.ToArray()), 0, null);
    }

    /// <summary>The values converted to float32 (exactly for F32, F16, BF16 and small integers; rounded for F64 and large integers).</summary>
    /// <exception cref="CheckpointFormatException">The backing file changed or vanished since it was loaded.</exception>
    public float[] ToFloat32()
    {
        var values = new float[ElementCount];
        CopyTo(values);
        return values;
    }

    /// <summary>
    /// The values converted to float32, refused when <paramref name="requireFinite"/> and one of them is NaN or ±∞
    /// (after conversion, so an F64 value beyond float32's range counts too): weights like that poison every result.
    /// </summary>
    /// <exception cref="CheckpointFormatException">
    /// A value is not finite (the message names the checkpoint, the tensor, the first such element and how many there are),
    /// or the backing file changed or vanished since it was loaded.
    /// </exception>
    public float[] ToFloat32(bool requireFinite)
    {
        var values = ToFloat32();
        if (requireFinite && !TensorPrimitives.IsFiniteAll<float>(values)) throw NotFinite(values);
        return values;
    }

    /// <summary>Writes the values, converted to float32, into <paramref name="destination"/> without an intermediate copy of the whole tensor.</summary>
    /// <exception cref="TensorShapeException">The destination's length differs from <see cref="ElementCount"/>.</exception>
    /// <exception cref="CheckpointFormatException">The backing file changed or vanished since it was loaded.</exception>
    public void CopyTo(Span<float> destination)
    {
        if (destination.Length != ElementCount)
            throw new TensorShapeException($"Tensor '{Name}' of shape {FormatShape(shape)} has {ElementCount} elements; the destination holds {destination.Length}.", nameof(destination));
        if (strides is not null)
        {
            ElementConversion.ToFloat32(DType, Gather(), destination);
            return;
        }
        if (DType == CheckpointDType.F32)
        {
            ReadContiguous(0, MemoryMarshal.AsBytes(destination));
            return;
        }
        int elementSize = DType.ElementSize();
        int chunkElements = ChunkBytes / elementSize;
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(ByteLength, ChunkBytes));
        try
        {
            for (int start = 0; start < destination.Length; start += chunkElements)
            {
                int count = Math.Min(chunkElements, destination.Length - start);
                Span<byte> bytes = buffer.AsSpan(0, count * elementSize);
                ReadContiguous((long)start * elementSize, bytes);
                ElementConversion.ToFloat32(DType, bytes, destination.Slice(start, count));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The values of an integer or bool tensor (I64, I32, I16, I8, U8, Bool) as int64, exactly.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds floating-point values; use <see cref="ToFloat32()"/>.</exception>
    /// <exception cref="CheckpointFormatException">The backing file changed or vanished since it was loaded.</exception>
    public long[] ToInt64()
    {
        if (DType.IsFloatingPoint())
            throw new InvalidOperationException($"Tensor '{Name}' holds {DType} values; ToInt64 reads integer and bool tensors only. Use ToFloat32.");
        var values = new long[ElementCount];
        ElementConversion.ToInt64(DType, ToBytes(), values);
        return values;
    }

    /// <summary>The values' bytes in their stored dtype, little-endian and row-major (strided tensors are made contiguous).</summary>
    /// <exception cref="CheckpointFormatException">The backing file changed or vanished since it was loaded.</exception>
    public byte[] ToBytes()
    {
        if (strides is not null) return Gather();
        var bytes = new byte[ByteLength];
        ReadContiguous(0, bytes);
        return bytes;
    }

    /// <summary>Writes the row-major little-endian bytes to <paramref name="destination"/> in bounded chunks.</summary>
    internal void WriteBytes(Stream destination)
    {
        if (strides is not null)
        {
            destination.Write(Gather());
            return;
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(ByteLength, 1), ChunkBytes));
        try
        {
            for (long start = 0; start < ByteLength; start += ChunkBytes)
            {
                Span<byte> chunk = buffer.AsSpan(0, (int)Math.Min(ChunkBytes, ByteLength - start));
                ReadContiguous(start, chunk);
                destination.Write(chunk);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The tensor as <c>name dtype [d0, d1, …]</c>.</summary>
    public override string ToString() => $"{Name} {DType} {FormatShape(shape)}";

    internal static string FormatShape(IEnumerable<int> dimensions) => "[" + string.Join(", ", dimensions) + "]";

    private void ReadContiguous(long offset, Span<byte> destination)
    {
        for (long done = 0; done < destination.Length; done += ChunkBytes)
        {
            int count = (int)Math.Min(ChunkBytes, destination.Length - done);
            storage.Read(byteOffset + offset + done, destination.Slice((int)done, count), Name);
        }
    }

    private CheckpointFormatException NotFinite(float[] values)
    {
        int first = Array.FindIndex(values, v => !float.IsFinite(v));
        long count = values.LongCount(v => !float.IsFinite(v));
        string value = float.IsNaN(values[first]) ? "NaN" : DType == CheckpointDType.F64 ? "beyond float32's range (or infinite)" : values[first] > 0 ? "+∞" : "−∞";
        return new CheckpointFormatException(
            $"element {first} of {ElementCount} (index {FormatShape(IndexOf(first))}) is {value}; {count} of its values in all are not finite, and weights must be. " +
            "The file is damaged or was saved from a training run that diverged: download it again, or export it from a model whose weights are finite.",
            source, $"tensor '{Name}'");
    }

    /// <summary>The multi-dimensional index of a row-major element.</summary>
    private int[] IndexOf(long element)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = (int)(element % shape[d]);
            element /= shape[d];
        }
        return index;
    }

    /// <summary>Copies a strided tensor's elements into row-major order.</summary>
    private byte[] Gather()
    {
        int elementSize = DType.ElementSize();
        var result = new byte[ByteLength];
        if (ElementCount == 0) return result;
        long lastIndex = 0;
        for (int d = 0; d < shape.Length; d++) lastIndex += (shape[d] - 1L) * strides![d];
        var covering = new byte[(lastIndex + 1) * elementSize];
        storage.Read(byteOffset, covering, Name);

        var index = new int[shape.Length];
        long source = 0;
        for (long element = 0; element < ElementCount; element++)
        {
            covering.AsSpan((int)(source * elementSize), elementSize).CopyTo(result.AsSpan((int)(element * elementSize)));
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                source += strides![d];
                if (++index[d] < shape[d]) break;
                source -= strides[d] * shape[d];
                index[d] = 0;
            }
        }
        return result;
    }

    private static long CountElements(ReadOnlySpan<int> dimensions)
    {
        long count = 1;
        foreach (int dimension in dimensions) count = checked(count * dimension);
        if (count > Array.MaxLength)
            throw new TensorShapeException($"A tensor of shape {FormatShape(dimensions.ToArray())} has {count} elements; at most {Array.MaxLength} are supported.");
        return count;
    }
}
