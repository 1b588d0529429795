namespace Segmentation.ML.Models.Checkpoints.Storage;

/// <summary>Size and bounds checks shared by the readers, so that no declared shape or stride can overflow or read out of range.</summary>
internal static class TensorLayout
{
    /// <summary>The byte length of a contiguous tensor, which must fit in one array.</summary>
    /// <exception cref="CheckpointFormatException">The size overflows or exceeds what one array can hold.</exception>
    public static long ByteLength(ReadOnlySpan<int> shape, CheckpointDType dtype, string? source, string where)
    {
        long elements = 1;
        foreach (int dimension in shape)
        {
            if (dimension == 0) return 0;
            if (elements > Array.MaxLength / dimension) throw TooLarge(shape, source, where);
            elements *= dimension;
        }
        long bytes = elements * dtype.ElementSize();
        if (bytes > Array.MaxLength) throw TooLarge(shape, source, where);
        return bytes;
    }

    /// <summary>
    /// Checks that a strided view (element offset and strides into a storage of <paramref name="storageElements"/>
    /// elements) stays inside the storage, and returns the strides to keep (null when row-major contiguous).
    /// </summary>
    public static long[]? CheckView(int[] shape, long[] strides, long offset, long storageElements, CheckpointDType dtype, string? source, string where)
    {
        if (strides.Length != shape.Length)
            throw new CheckpointFormatException($"shape {CheckpointTensor.FormatShape(shape)} has {shape.Length} dimensions but {strides.Length} strides.", source, where);
        long bytes = ByteLength(shape, dtype, source, where);
        if (offset < 0)
            throw new CheckpointFormatException($"storage offset {offset} is negative.", source, where);
        foreach (long stride in strides)
        {
            if (stride < 0)
                throw new CheckpointFormatException($"stride {stride} is negative; PyTorch never stores negative strides.", source, where);
        }
        if (bytes == 0) return null;

        long last = offset;
        for (int d = 0; d < shape.Length; d++)
        {
            if (strides[d] > 0 && shape[d] - 1 > (long.MaxValue - last) / strides[d])
                throw new CheckpointFormatException($"strides [{string.Join(", ", strides)}] with shape {CheckpointTensor.FormatShape(shape)} overflow.", source, where);
            last += (shape[d] - 1L) * strides[d];
        }
        if (last >= storageElements)
            throw new CheckpointFormatException(
                $"shape {CheckpointTensor.FormatShape(shape)} with strides [{string.Join(", ", strides)}] and offset {offset} reaches element {last}, " +
                $"but its storage holds {storageElements} elements.", source, where);
        if (IsRowMajor(shape, strides)) return null;
        if (bytes / dtype.ElementSize() > last - offset + 1)
            throw new CheckpointFormatException(
                $"shape {CheckpointTensor.FormatShape(shape)} with strides [{string.Join(", ", strides)}] has more elements than the storage span it covers, " +
                "so elements overlap (an expanded view); save tensor.contiguous() instead.", source, where);
        if ((last - offset + 1) * dtype.ElementSize() > Array.MaxLength)
            throw new CheckpointFormatException("the strided tensor spans more than 2 GB of its storage; at most 2 GB are supported.", source, where);
        return strides;
    }

    /// <summary>Row-major contiguity as PyTorch defines it: strides of size-1 dimensions do not matter.</summary>
    private static bool IsRowMajor(int[] shape, long[] strides)
    {
        long expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] != 1 && strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    private static CheckpointFormatException TooLarge(ReadOnlySpan<int> shape, string? source, string where) =>
        new($"shape {CheckpointTensor.FormatShape(shape.ToArray())} is larger than 2 GB; tensors of at most {Array.MaxLength} bytes are supported.", source, where);
}
