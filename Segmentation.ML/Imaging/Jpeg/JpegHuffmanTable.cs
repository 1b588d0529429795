namespace Segmentation.ML.Imaging.Jpeg;

/// <summary>
/// A Huffman decoding table built from a DHT segment (T.81 Annex C and F.2.2.3), with a
/// 9-bit lookahead table for short codes and, for AC tables, a combined table that decodes
/// run, size and the coefficient value of short codes in one step.
/// </summary>
internal sealed class JpegHuffmanTable
{
    public const int LookaheadBits = 9;

    /// <summary>Indexed by the next 9 bits: (code length &lt;&lt; 8) | symbol, or 0 when the code is longer than 9 bits.</summary>
    public readonly ushort[] Lookup = new ushort[1 << LookaheadBits];

    /// <summary>
    /// Indexed by the next 9 bits: (value &lt;&lt; 16) | (run &lt;&lt; 8) | bits consumed, for AC codes
    /// whose code plus magnitude bits fit in 9 bits; 0 otherwise.
    /// </summary>
    public readonly int[] FastAc = new int[1 << LookaheadBits];

    /// <summary>Largest code of each length 1..16 (-1 when none), for the slow path.</summary>
    private readonly int[] _maxCode = new int[17];

    /// <summary>Index into <see cref="_values"/> of the first symbol of each length, minus that length's first code.</summary>
    private readonly int[] _valueOffset = new int[17];

    private readonly byte[] _values = new byte[256];

    /// <summary>Builds the table from the 16 code-length counts and the symbols in code order.</summary>
    /// <exception cref="InvalidImageContentException">The counts describe an impossible code.</exception>
    public JpegHuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols)
    {
        symbols.CopyTo(_values);
        int code = 0, k = 0;
        for (int length = 1; length <= 16; length++)
        {
            int n = counts[length - 1];
            _valueOffset[length] = k - code;
            for (int i = 0; i < n; i++, k++, code++)
            {
                if (code >= 1 << length)
                {
                    ImageThrow.InvalidContent($"a Huffman table declares more codes of length {length} than fit");
                }

                if (length <= LookaheadBits)
                {
                    int first = code << (LookaheadBits - length), span = 1 << (LookaheadBits - length);
                    for (int j = 0; j < span; j++)
                    {
                        Lookup[first + j] = (ushort)((length << 8) | symbols[k]);
                    }
                }
            }

            _maxCode[length] = n > 0 ? code - 1 : -1;

            // No code may be all ones, so the next free code must still fit in this many bits.
            if (code >= 1 << length)
            {
                ImageThrow.InvalidContent($"a Huffman table declares more codes of length {length} than fit");
            }

            code <<= 1;
        }

        BuildFastAc();
    }

    /// <summary>Decodes a code longer than the lookahead from the next 16 bits (left-aligned in <paramref name="next16"/>); returns (length, symbol) or length 0 when no code matches.</summary>
    public (int Length, int Symbol) DecodeSlow(int next16)
    {
        for (int length = LookaheadBits + 1; length <= 16; length++)
        {
            int code = next16 >> (16 - length);
            if (code <= _maxCode[length])
            {
                int index = _valueOffset[length] + code;
                return ((uint)index < 256u) ? (length, _values[index]) : (0, 0);
            }
        }

        return (0, 0);
    }

    private void BuildFastAc()
    {
        for (int i = 0; i < Lookup.Length; i++)
        {
            int entry = Lookup[i];
            if (entry == 0)
            {
                continue;
            }

            int length = entry >> 8, rs = entry & 0xFF, run = rs >> 4, size = rs & 15;
            if (size == 0 || length + size > LookaheadBits)
            {
                continue;
            }

            int bits = (i >> (LookaheadBits - length - size)) & ((1 << size) - 1);
            int value = bits < 1 << (size - 1) ? bits - (1 << size) + 1 : bits;
            FastAc[i] = (value << 16) | (run << 8) | (length + size);
        }
    }
}
