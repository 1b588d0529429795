using System.Buffers.Binary;
using System.IO.Compression;
using Segmentation.ML.Imaging.Png;

namespace Segmentation.ML.Tests.Imaging;

/// <summary>
/// Deterministic corruption of PNGs for the fuzz tests: bit flips, byte overwrites, chunk length
/// corruption, duplications, deletions and truncations, plus structure-aware edits that keep the
/// CRCs valid so the damage reaches the pixel decoder.
/// </summary>
internal sealed class ImageMutator(int seed)
{
    private readonly Random random = new(seed);

    public byte[] MutatePng(byte[] original)
    {
        byte[] data = (byte[])original.Clone();
        switch (random.Next(10))
        {
            case < 3:
                return EditPngChunkKeepingCrc(data);
            case < 6:
                return EditScanlinesKeepingCrc(data);
        }

        int operations = 1 + random.Next(3);
        for (int i = 0; i < operations; i++)
        {
            data = random.Next(9) switch
            {
                0 => FlipBits(data),
                1 => SetBytes(data),
                2 => CorruptPngLength(data),
                3 => Duplicate(data),
                4 => Delete(data),
                5 => Truncate(data),
                6 => DuplicatePngChunk(data),
                _ => EditPngChunkKeepingCrc(data),
            };
        }

        return data;
    }

    private byte[] FlipBits(byte[] data)
    {
        int flips = 1 + random.Next(8);
        for (int i = 0; i < flips && data.Length > 0; i++)
        {
            data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
        }

        return data;
    }

    private byte[] SetBytes(byte[] data)
    {
        int count = 1 + random.Next(4);
        for (int i = 0; i < count && data.Length > 0; i++)
        {
            data[random.Next(data.Length)] = random.Next(3) switch { 0 => 0x00, 1 => 0xFF, _ => (byte)random.Next(256) };
        }

        return data;
    }

    private byte[] Duplicate(byte[] data)
    {
        if (data.Length < 2)
        {
            return data;
        }

        int start = random.Next(data.Length), length = 1 + random.Next(Math.Min(64, data.Length - start));
        int at = random.Next(data.Length + 1);
        return [.. data.AsSpan(0, at), .. data.AsSpan(start, length), .. data.AsSpan(at)];
    }

    private byte[] Delete(byte[] data)
    {
        if (data.Length < 2)
        {
            return data;
        }

        int start = random.Next(data.Length), length = 1 + random.Next(Math.Min(32, data.Length - start));
        return [.. data.AsSpan(0, start), .. data.AsSpan(start + length)];
    }

    private byte[] Truncate(byte[] data) => data.AsSpan(0, random.Next(data.Length + 1)).ToArray();

    private static List<(int Offset, int Length)> PngChunks(byte[] data)
    {
        var chunks = new List<(int, int)>();
        int offset = 8;
        while (offset + 12 <= data.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(offset));
            if (length > data.Length - offset - 12)
            {
                break;
            }

            chunks.Add((offset, (int)length));
            offset += 12 + (int)length;
        }

        return chunks;
    }

    private byte[] CorruptPngLength(byte[] data)
    {
        var chunks = PngChunks(data);
        if (chunks.Count == 0)
        {
            return SetBytes(data);
        }

        var (offset, length) = chunks[random.Next(chunks.Count)];
        uint value = random.Next(3) switch
        {
            0 => (uint)Math.Max(0, length + random.Next(-4, 5)),
            1 => 0xFFFFFFFF - (uint)random.Next(16),
            _ => (uint)random.Next(),
        };
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(offset), value);
        return data;
    }

    private byte[] DuplicatePngChunk(byte[] data)
    {
        var chunks = PngChunks(data);
        if (chunks.Count == 0)
        {
            return Duplicate(data);
        }

        var (offset, length) = chunks[random.Next(chunks.Count)];
        var (at, _) = chunks[random.Next(chunks.Count)];
        return [.. data.AsSpan(0, at), .. data.AsSpan(offset, length + 12), .. data.AsSpan(at)];
    }

    /// <summary>Changes bytes inside one chunk's payload (IHDR fields, palette, compressed data) and recomputes its CRC.</summary>
    private byte[] EditPngChunkKeepingCrc(byte[] data)
    {
        var chunks = PngChunks(data);
        var candidates = chunks.Where(c => c.Length > 0).ToList();
        if (candidates.Count == 0)
        {
            return FlipBits(data);
        }

        var (offset, length) = candidates[random.Next(candidates.Count)];
        Span<byte> payload = data.AsSpan(offset + 8, length);
        int edits = 1 + random.Next(3);
        for (int i = 0; i < edits; i++)
        {
            int at = random.Next(length);
            payload[at] = random.Next(2) == 0 ? (byte)(payload[at] ^ (1 << random.Next(8))) : (byte)random.Next(256);
        }

        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(offset + 8 + length), Crc32.Compute(data.AsSpan(offset + 4, length + 4)));
        return data;
    }

    /// <summary>
    /// Inflates the image data, damages the filtered scanlines (filter types, samples, length),
    /// deflates it again into one IDAT with a valid CRC: the damage reaches unfiltering and sample conversion.
    /// </summary>
    private byte[] EditScanlinesKeepingCrc(byte[] data)
    {
        var chunks = PngChunks(data);
        var idats = chunks.Where(c => data.AsSpan(c.Offset + 4, 4).SequenceEqual("IDAT"u8)).ToList();
        if (idats.Count == 0)
        {
            return FlipBits(data);
        }

        var compressed = new MemoryStream();
        foreach (var (offset, length) in idats)
        {
            compressed.Write(data, offset + 8, length);
        }

        compressed.Position = 0;
        var raw = new MemoryStream();
        try
        {
            using var inflate = new ZLibStream(compressed, CompressionMode.Decompress);
            inflate.CopyTo(raw);
        }
        catch (InvalidDataException)
        {
            return data;
        }

        byte[] scanlines = raw.ToArray();
        int edits = 1 + random.Next(4);
        for (int i = 0; i < edits && scanlines.Length > 0; i++)
        {
            scanlines[random.Next(scanlines.Length)] = (byte)random.Next(random.Next(2) == 0 ? 8 : 256);
        }

        if (random.Next(4) == 0)
        {
            scanlines = scanlines.AsSpan(0, random.Next(scanlines.Length + 1)).ToArray();
        }

        var deflated = new MemoryStream();
        using (var deflate = new ZLibStream(deflated, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(scanlines);
        }

        byte[] payload = deflated.ToArray();
        var chunk = new byte[payload.Length + 12];
        BinaryPrimitives.WriteInt32BigEndian(chunk, payload.Length);
        "IDAT"u8.CopyTo(chunk.AsSpan(4));
        payload.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + payload.Length), Crc32.Compute(chunk.AsSpan(4, payload.Length + 4)));

        int first = idats[0].Offset, end = idats[^1].Offset + idats[^1].Length + 12;
        return [.. data.AsSpan(0, first), .. chunk, .. data.AsSpan(end)];
    }
}
