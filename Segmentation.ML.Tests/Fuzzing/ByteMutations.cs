using System.Buffers.Binary;

namespace Segmentation.ML.Tests.Fuzzing;

/// <summary>
/// Format-blind damage for the file fuzz sets: a truncation, bit flips, an extreme integer written over the bytes,
/// or bytes removed or inserted. Each fuzz set adds its own format-aware edits beside these.
/// </summary>
internal static class ByteMutations
{
    /// <summary>How many kinds <see cref="Apply"/> knows (kinds 1–3 are all bit flips, the commonest damage).</summary>
    public const int Kinds = 6;

    /// <summary>A damaged copy of <paramref name="original"/> of the given kind (0 ≤ kind &lt; <see cref="Kinds"/>), with what was done.</summary>
    public static (string Description, byte[] Bytes) Apply(byte[] original, Random random, int kind)
    {
        byte[] bytes = (byte[])original.Clone();
        switch (kind)
        {
            case 0:
                int length = random.Next(original.Length);
                return ($"first {length} bytes", original[..length]);
            case 1:
            case 2:
            case 3:
                int flips = random.Next(1, 5);
                var positions = new List<int>();
                for (int f = 0; f < flips; f++)
                {
                    int at = random.Next(bytes.Length);
                    positions.Add(at);
                    bytes[at] ^= (byte)(1 << random.Next(8));
                }
                return ($"bits flipped at {string.Join(", ", positions)}", bytes);
            case 4:
                long[] interesting = [0, 1, -1, 0x7F, 0xFF, 0xFFFF, int.MaxValue, int.MinValue, uint.MaxValue, long.MaxValue, 1L << 40];
                long value = interesting[random.Next(interesting.Length)];
                int position = random.Next(bytes.Length - 8);
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(position), value);
                return ($"integer {value} at {position}", bytes);
            case 5:
                int cut = random.Next(original.Length), removed = random.Next(1, 9);
                if (random.Next(2) == 0)
                    return ($"{removed} bytes removed at {cut}", [.. original[..cut], .. original[Math.Min(original.Length, cut + removed)..]]);
                var inserted = new byte[removed];
                random.NextBytes(inserted);
                return ($"{removed} bytes inserted at {cut}", [.. original[..cut], .. inserted, .. original[cut..]]);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Kinds are 0 to {Kinds - 1}.");
        }
    }
}
