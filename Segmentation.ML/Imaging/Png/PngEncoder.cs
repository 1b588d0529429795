using System.Buffers.Binary;
using System.IO.Compression;
using Segmentation.ML.Imaging.Png;

namespace Segmentation.ML.Imaging;

/// <summary>Settings for <see cref="PngEncoder"/>.</summary>
public sealed record PngEncoderOptions
{
    /// <summary>The settings used when the caller passes none.</summary>
    public static PngEncoderOptions Default { get; } = new();

    /// <summary>zlib effort; <see cref="CompressionLevel.Optimal"/> by default.</summary>
    public CompressionLevel Compression { get; init; } = CompressionLevel.Optimal;
}

/// <summary>
/// Writes 8-bit PNGs: RGB images, RGBA buffers, label maps as gray or, with a palette, as indexed
/// colour (so masks keep their class indices exactly and still look right in viewers).
/// The <c>Save</c> methods write atomically: a temporary file next to the target is moved over
/// it only once complete, so a crash never leaves a half-written image behind.
/// </summary>
public static class PngEncoder
{
    private const int IdatChunkBytes = 256 * 1024;

    /// <summary>Encodes an RGB image (colour type 2, 8 bits).</summary>
    public static byte[] Encode(RgbImage image, PngEncoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Write(image.Width, image.Height, PngHeader.ColorRgb, image.Pixels, null, options);
    }

    /// <summary>Encodes interleaved RGBA bytes (colour type 6, 8 bits).</summary>
    /// <exception cref="ArgumentException">The buffer is not width × height × 4 bytes.</exception>
    public static byte[] EncodeRgba(ReadOnlySpan<byte> rgba, int width, int height, PngEncoderOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (rgba.Length != (long)width * height * 4)
        {
            throw new ArgumentException($"An RGBA image of {width}×{height} needs {(long)width * height * 4} bytes, but {rgba.Length} were given.", nameof(rgba));
        }

        return Write(width, height, PngHeader.ColorRgba, rgba, null, options);
    }

    /// <summary>
    /// Encodes a label map: with a palette as an indexed PNG whose indices are the labels (VOC style),
    /// without one as an 8-bit gray PNG whose values are the labels (CamVid style).
    /// </summary>
    /// <exception cref="ArgumentException">A label has no entry in <paramref name="palette"/>.</exception>
    public static byte[] Encode(LabelMap labels, Palette? palette = null, PngEncoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (palette is not null && palette.Count < 256)
        {
            int bad = labels.Labels.IndexOfAnyInRange((byte)palette.Count, byte.MaxValue);
            if (bad >= 0)
            {
                throw new ArgumentException(
                    $"Label {labels.Labels[bad]} at ({bad % labels.Width}, {bad / labels.Width}) has no colour in the {palette.Count}-entry palette.",
                    nameof(palette));
            }
        }

        return Write(labels.Width, labels.Height, palette is null ? PngHeader.ColorGray : PngHeader.ColorIndexed, labels.Labels, palette, options);
    }

    /// <summary>Writes an RGB image to <paramref name="path"/> atomically.</summary>
    public static void Save(RgbImage image, string path, PngEncoderOptions? options = null) => IO.AtomicFile.WriteAllBytes(path, Encode(image, options));

    /// <summary>Writes a label map to <paramref name="path"/> atomically; see <see cref="Encode(LabelMap, Palette?, PngEncoderOptions?)"/>.</summary>
    public static void Save(LabelMap labels, string path, Palette? palette = null, PngEncoderOptions? options = null) =>
        IO.AtomicFile.WriteAllBytes(path, Encode(labels, palette, options));

    private static byte[] Write(int width, int height, int colorType, ReadOnlySpan<byte> samples, Palette? palette, PngEncoderOptions? options)
    {
        options ??= PngEncoderOptions.Default;
        int channels = colorType switch { PngHeader.ColorRgb => 3, PngHeader.ColorRgba => 4, _ => 1 };
        int rowBytes = width * channels;

        var output = new MemoryStream();
        output.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
        ihdr[8] = 8;
        ihdr[9] = (byte)colorType;
        WriteChunk(output, "IHDR"u8, ihdr);
        if (palette is not null)
        {
            var plte = new byte[palette.Count * 3];
            for (int i = 0; i < palette.Count; i++)
            {
                (plte[3 * i], plte[3 * i + 1], plte[3 * i + 2]) = (palette[i].R, palette[i].G, palette[i].B);
            }

            WriteChunk(output, "PLTE"u8, plte);
        }

        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, options.Compression, leaveOpen: true))
        {
            // Indexed data does not predict well; libpng's advice is to leave it unfiltered.
            bool adaptive = colorType != PngHeader.ColorIndexed;
            var candidates = new byte[5][];
            for (int f = 0; f < 5; f++)
            {
                candidates[f] = new byte[rowBytes + 1];
                candidates[f][0] = (byte)f;
            }

            ReadOnlySpan<byte> prior = new byte[rowBytes];
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<byte> row = samples.Slice(y * rowBytes, rowBytes);
                byte[] chosen = candidates[0];
                row.CopyTo(chosen.AsSpan(1));
                if (adaptive)
                {
                    long best = SumOfMagnitudes(chosen.AsSpan(1));
                    for (int f = 1; f < 5; f++)
                    {
                        PngFilters.Filter(f, row, prior, channels, candidates[f].AsSpan(1));
                        long cost = SumOfMagnitudes(candidates[f].AsSpan(1));
                        if (cost < best)
                        {
                            best = cost;
                            chosen = candidates[f];
                        }
                    }
                }

                zlib.Write(chosen);
                prior = row;
            }
        }

        ReadOnlySpan<byte> idat = compressed.GetBuffer().AsSpan(0, (int)compressed.Length);
        do
        {
            int n = Math.Min(IdatChunkBytes, idat.Length);
            WriteChunk(output, "IDAT"u8, idat[..n]);
            idat = idat[n..];
        }
        while (!idat.IsEmpty);

        WriteChunk(output, "IEND"u8, []);
        return output.ToArray();
    }

    /// <summary>The usual filter-choice heuristic: bytes read as signed, smallest total magnitude wins.</summary>
    private static long SumOfMagnitudes(ReadOnlySpan<byte> filtered)
    {
        long sum = 0;
        foreach (byte b in filtered)
        {
            sum += b < 128 ? b : 256 - b;
        }

        return sum;
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Append(Crc32.Compute(type), data));
        output.Write(word);
    }
}
