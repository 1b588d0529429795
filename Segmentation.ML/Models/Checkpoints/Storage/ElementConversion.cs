using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Segmentation.ML.Models.Checkpoints.Storage;

/// <summary>Converts little-endian stored elements to float32 or int64.</summary>
internal static class ElementConversion
{
    public static void ToFloat32(CheckpointDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case CheckpointDType.F32:
                source.CopyTo(MemoryMarshal.AsBytes(destination));
                break;
            case CheckpointDType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            case CheckpointDType.BF16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16);
                break;
            case CheckpointDType.F64:
                var doubles = MemoryMarshal.Cast<byte, double>(source);
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)doubles[i];
                break;
            default:
                Span<long> integers = new long[Math.Min(destination.Length, 4096)];
                int elementSize = dtype.ElementSize();
                for (int start = 0; start < destination.Length; start += integers.Length)
                {
                    int count = Math.Min(integers.Length, destination.Length - start);
                    ToInt64(dtype, source.Slice(start * elementSize, count * elementSize), integers[..count]);
                    for (int i = 0; i < count; i++) destination[start + i] = integers[i];
                }
                break;
        }
    }

    public static void ToInt64(CheckpointDType dtype, ReadOnlySpan<byte> source, Span<long> destination)
    {
        switch (dtype)
        {
            case CheckpointDType.I64:
                source.CopyTo(MemoryMarshal.AsBytes(destination));
                break;
            case CheckpointDType.I32:
                var ints = MemoryMarshal.Cast<byte, int>(source);
                for (int i = 0; i < destination.Length; i++) destination[i] = ints[i];
                break;
            case CheckpointDType.I16:
                var shorts = MemoryMarshal.Cast<byte, short>(source);
                for (int i = 0; i < destination.Length; i++) destination[i] = shorts[i];
                break;
            case CheckpointDType.I8:
                for (int i = 0; i < destination.Length; i++) destination[i] = (sbyte)source[i];
                break;
            case CheckpointDType.U8:
                for (int i = 0; i < destination.Length; i++) destination[i] = source[i];
                break;
            case CheckpointDType.Bool:
                for (int i = 0; i < destination.Length; i++) destination[i] = source[i] != 0 ? 1 : 0;
                break;
            default:
                throw new InvalidOperationException($"{dtype} is not an integer dtype.");
        }
    }
}
