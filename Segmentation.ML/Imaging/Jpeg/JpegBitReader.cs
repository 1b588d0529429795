using System.Runtime.CompilerServices;

namespace Segmentation.ML.Imaging.Jpeg;

/// <summary>
/// Reads entropy-coded data MSB first (T.81 F.2.2.5), removing stuffed zero bytes and stopping
/// at the next marker. Past a marker or the end of data it supplies zero bits and counts them,
/// so the decoder can tell a complete segment from a truncated one.
/// </summary>
internal ref struct JpegBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private ulong _bits;
    private int _count;
    private int _paddingBits;

    public JpegBitReader(ReadOnlySpan<byte> data, int position)
    {
        _data = data;
        _position = position;
    }

    /// <summary>Offset of the next byte not yet loaded; at a marker once the segment is exhausted.</summary>
    public readonly int Position => _position;

    /// <summary>True when the decoder has consumed bits that were not in the data (truncated or corrupt segment).</summary>
    public readonly bool ReadPastEnd => _paddingBits > _count;

    public void Fill()
    {
        while (_count <= 56)
        {
            int b = 0;
            int p = _position;
            if (p < _data.Length)
            {
                b = _data[p];
                if (b != 0xFF)
                {
                    _position = p + 1;
                }
                else if (p + 1 < _data.Length && _data[p + 1] == 0)
                {
                    _position = p + 2;
                }
                else
                {
                    b = 0;
                    _paddingBits += 8;
                }
            }
            else
            {
                _paddingBits += 8;
            }

            _bits |= (ulong)b << (56 - _count);
            _count += 8;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnsureBits(int n)
    {
        if (_count < n)
        {
            Fill();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int Peek(int n) => (int)(_bits >> (64 - n));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Skip(int n)
    {
        _bits <<= n;
        _count -= n;
    }

    /// <summary>Reads n bits (0..16) as an unsigned value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadBits(int n)
    {
        if (n == 0)
        {
            return 0;
        }

        EnsureBits(n);
        int v = Peek(n);
        Skip(n);
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadBit()
    {
        EnsureBits(1);
        int v = (int)(_bits >> 63);
        Skip(1);
        return v;
    }

    /// <summary>Reads s magnitude bits and sign-extends them (T.81 F.2.2.1, EXTEND).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReceiveExtend(int s)
    {
        EnsureBits(s);
        int v = Peek(s);
        Skip(s);
        return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int DecodeHuffman(JpegHuffmanTable table)
    {
        EnsureBits(16);
        int entry = table.Lookup[Peek(JpegHuffmanTable.LookaheadBits)];
        if (entry != 0)
        {
            Skip(entry >> 8);
            return entry & 0xFF;
        }

        return DecodeHuffmanSlow(table);
    }

    private int DecodeHuffmanSlow(JpegHuffmanTable table)
    {
        var (length, symbol) = table.DecodeSlow(Peek(16));
        if (length == 0)
        {
            ImageThrow.InvalidContent($"invalid Huffman code in the entropy-coded data near byte {_position}");
        }

        Skip(length);
        return symbol;
    }
}
