namespace Segmentation.ML.Imaging.Png;

/// <summary>The CRC-32 of PNG chunks (ISO 3309 / ITU-T V.42 polynomial, PNG spec Annex D), slicing-by-4.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC over more data (pass 0 to start).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] t = Table;
        uint c = ~crc;
        int i = 0;
        for (; i + 4 <= data.Length; i += 4)
        {
            c ^= (uint)(data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
            c = t[768 + (c & 0xFF)] ^ t[512 + ((c >> 8) & 0xFF)] ^ t[256 + ((c >> 16) & 0xFF)] ^ t[c >> 24];
        }

        for (; i < data.Length; i++)
        {
            c = t[(c ^ data[i]) & 0xFF] ^ (c >> 8);
        }

        return ~c;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[1024];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        for (int n = 0; n < 256; n++)
        {
            for (int s = 1; s < 4; s++)
            {
                uint prev = table[(s - 1) * 256 + n];
                table[s * 256 + n] = table[prev & 0xFF] ^ (prev >> 8);
            }
        }

        return table;
    }
}
