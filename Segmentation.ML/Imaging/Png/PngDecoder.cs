using System.Buffers;
using System.IO.Compression;

namespace Segmentation.ML.Imaging.Png;

/// <summary>
/// PNG decoder core (ISO/IEC 15948): chunk walk with CRC checks, zlib inflate of the
/// concatenated IDAT data, the five filters, Adam7, every colour type and bit depth.
/// Produces 8-bit RGB (alpha dropped, 16-bit reduced to the high byte, low-bit gray scaled
/// to 0..255) or a label map (palette index or raw gray value).
/// </summary>
internal static class PngDecoder
{
    private static ReadOnlySpan<byte> Signature => [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Adam7 passes: x offset, y offset, x step, y step (PNG spec 8.2).</summary>
    private static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    private static readonly (int X0, int Y0, int Dx, int Dy)[] SinglePass = [(0, 0, 1, 1)];

    private const uint TypeIhdr = 0x49484452, TypePlte = 0x504C5445, TypeIdat = 0x49444154, TypeIend = 0x49454E44, TypeExif = 0x65584966;

    public static bool HasSignature(ReadOnlySpan<byte> data) => data.StartsWith(Signature);

    /// <summary>Reads the header (and an eXIf orientation before the image data). Returns null when <paramref name="data"/> ends before IHDR is complete.</summary>
    public static ImageInfo? Identify(ReadOnlySpan<byte> data, bool complete)
    {
        if (data.Length < 33)
        {
            return complete ? ImageThrow.InvalidContent<ImageInfo>($"the file is {data.Length} bytes long, too short for a PNG header") : null;
        }

        if (PngHeader.ReadUInt32(data[8..]) != 13 || PngHeader.ReadUInt32(data[12..]) != TypeIhdr)
        {
            ImageThrow.InvalidContent("the first chunk is not a 13-byte IHDR");
        }

        CheckCrc(data.Slice(12, 17), PngHeader.ReadUInt32(data[29..]), TypeIhdr);
        PngHeader header = PngHeader.Parse(data.Slice(16, 13));
        int orientation = 1;
        int offset = 33;
        while (offset + 8 <= data.Length)
        {
            uint length = PngHeader.ReadUInt32(data[offset..]);
            uint type = PngHeader.ReadUInt32(data[(offset + 4)..]);
            if (type is TypeIdat or TypeIend || length > int.MaxValue || offset + 12L + length > data.Length)
            {
                break;
            }

            if (type == TypeExif)
            {
                orientation = Orientation.ReadFromTiff(data.Slice(offset + 8, (int)length));
            }

            offset += 12 + (int)length;
        }

        return new ImageInfo(ImageFormat.Png, header.Width, header.Height, header.Channels, header.BitDepth,
            header.ColorModel, header.Interlaced, orientation);
    }

    public static RgbImage DecodeRgb(ReadOnlySpan<byte> data, ImageDecoderOptions options)
    {
        var file = new ParsedFile();
        try
        {
            Parse(data, options, file);
            var image = new RgbImage(file.Header!.Width, file.Header.Height);
            DecodePixels(file, new RgbSink(file, image));
            return options.ApplyExifOrientation ? Orientation.Apply(image, file.Orientation) : image;
        }
        finally
        {
            file.Release();
        }
    }

    public static LabelMap DecodeLabels(ReadOnlySpan<byte> data, ImageDecoderOptions options)
    {
        var file = new ParsedFile();
        try
        {
            Parse(data, options, file);
            PngHeader header = file.Header!;
            if (header.ColorType is PngHeader.ColorRgb or PngHeader.ColorRgba)
            {
                ImageThrow.Unsupported(
                    $"a {header.ColorModel} PNG is not a label map; decode it as RGB and map colours with Palette.ToLabelMap");
            }

            var labels = new LabelMap(header.Width, header.Height);
            DecodePixels(file, new LabelSink(file, labels));
            return labels;
        }
        finally
        {
            file.Release();
        }
    }

    /// <summary>Walks the chunks: validates order, lengths and CRCs, keeps IHDR, PLTE, eXIf and the concatenated IDAT data.</summary>
    private static void Parse(ReadOnlySpan<byte> data, ImageDecoderOptions options, ParsedFile file)
    {
        if (!HasSignature(data))
        {
            ImageThrow.InvalidContent("the PNG signature is missing");
        }

        int offset = Signature.Length;
        bool seenIend = false;
        int idatChunks = 0;
        while (offset < data.Length && !seenIend)
        {
            if (data.Length - offset < 12)
            {
                ImageThrow.InvalidContent($"the file ends inside a chunk header at byte {offset}");
            }

            uint length = PngHeader.ReadUInt32(data[offset..]);
            uint type = PngHeader.ReadUInt32(data[(offset + 4)..]);
            string name = ChunkName(type);
            if (length > int.MaxValue || length > data.Length - offset - 12)
            {
                ImageThrow.InvalidContent(
                    $"chunk '{name}' at byte {offset} declares {length} data bytes but only {Math.Max(0, data.Length - offset - 12)} remain (truncated or corrupt file)");
            }

            ValidateChunkType(type, offset);
            ReadOnlySpan<byte> payload = data.Slice(offset + 8, (int)length);
            uint storedCrc = PngHeader.ReadUInt32(data[(offset + 8 + (int)length)..]);
            bool critical = (type & 0x20000000) == 0;
            bool crcOk = Crc32.Compute(data.Slice(offset + 4, (int)length + 4)) == storedCrc;
            if (!crcOk && critical)
            {
                ImageThrow.InvalidContent($"CRC mismatch in chunk '{name}' at byte {offset} (corrupt file)");
            }

            if (file.Header is null && type != TypeIhdr)
            {
                ImageThrow.InvalidContent($"the first chunk is '{name}', not IHDR");
            }

            switch (type)
            {
                case TypeIhdr:
                    if (file.Header is not null)
                    {
                        ImageThrow.InvalidContent("the file has a second IHDR chunk");
                    }

                    file.Header = PngHeader.Parse(payload);
                    ImageThrow.IfTooLarge(file.Header.Width, file.Header.Height, options);
                    break;
                case TypePlte:
                    if (length % 3 != 0 || length == 0 || length > 768)
                    {
                        ImageThrow.InvalidContent($"PLTE chunk has {length} bytes; it must hold 1..256 RGB triples");
                    }

                    if (idatChunks > 0)
                    {
                        ImageThrow.InvalidContent("PLTE chunk comes after the image data");
                    }

                    file.PaletteEntries = (int)length / 3;
                    payload.CopyTo(file.Palette);
                    break;
                case TypeIdat:
                    file.AppendIdat(payload);
                    idatChunks++;
                    break;
                case TypeIend:
                    seenIend = true;
                    break;
                case TypeExif:
                    if (crcOk)
                    {
                        file.Orientation = Orientation.ReadFromTiff(payload);
                    }

                    break;
                default:
                    if (critical)
                    {
                        ImageThrow.Unsupported($"unknown critical chunk '{name}' at byte {offset}");
                    }

                    break;
            }

            offset += 12 + (int)length;
        }

        if (file.Header is null)
        {
            ImageThrow.InvalidContent("the file has no IHDR chunk");
        }

        if (idatChunks == 0)
        {
            ImageThrow.InvalidContent("the file has no image data (IDAT chunk)");
        }

        if (file.Header.ColorType == PngHeader.ColorIndexed && file.PaletteEntries == 0)
        {
            ImageThrow.InvalidContent("an indexed-colour PNG has no PLTE chunk");
        }
    }

    private static void DecodePixels(ParsedFile file, IRowSink sink)
    {
        PngHeader header = file.Header!;
        var passes = header.Interlaced ? Adam7 : SinglePass;
        long rawLength = 0;
        long widestRow = 0;
        foreach (var (x0, y0, dx, dy) in passes)
        {
            long passWidth = PassExtent(header.Width, x0, dx), passHeight = PassExtent(header.Height, y0, dy);
            if (passWidth > 0 && passHeight > 0)
            {
                long rowBytes = header.RowBytes((int)passWidth);
                rawLength += passHeight * (rowBytes + 1);
                widestRow = Math.Max(widestRow, rowBytes);
            }
        }

        if (rawLength > Array.MaxLength)
        {
            ImageThrow.Unsupported($"the decompressed data of a {header.Width}×{header.Height} image would need {rawLength:N0} bytes, more than one array holds");
        }

        byte[] raw = ArrayPool<byte>.Shared.Rent((int)rawLength);
        byte[] zeros = ArrayPool<byte>.Shared.Rent((int)widestRow);
        try
        {
            Inflate(file, raw.AsSpan(0, (int)rawLength));
            Array.Clear(zeros, 0, (int)widestRow);
            int bpp = header.FilterBytesPerPixel;
            int offset = 0;
            foreach (var (x0, y0, dx, dy) in passes)
            {
                int passWidth = PassExtent(header.Width, x0, dx), passHeight = PassExtent(header.Height, y0, dy);
                if (passWidth == 0 || passHeight == 0)
                {
                    continue;
                }

                int rowBytes = (int)header.RowBytes(passWidth);
                ReadOnlySpan<byte> prior = zeros.AsSpan(0, rowBytes);
                for (int r = 0; r < passHeight; r++)
                {
                    int filter = raw[offset];
                    Span<byte> row = raw.AsSpan(offset + 1, rowBytes);
                    PngFilters.Unfilter(filter, row, prior, bpp);
                    sink.Write(row, y0 + r * dy, x0, dx, passWidth);
                    prior = row;
                    offset += rowBytes + 1;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
            ArrayPool<byte>.Shared.Return(zeros);
        }
    }

    private static int PassExtent(int size, int start, int step) => size > start ? (size - start + step - 1) / step : 0;

    private static void Inflate(ParsedFile file, Span<byte> destination)
    {
        CheckZlibHeader(file.Idat.AsSpan(0, file.IdatLength));
        using var compressed = new MemoryStream(file.Idat, 0, file.IdatLength, writable: false);
        using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
        int filled = 0;
        try
        {
            while (filled < destination.Length)
            {
                int read = zlib.Read(destination[filled..]);
                if (read == 0)
                {
                    break;
                }

                filled += read;
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // zlib reports damage as InvalidDataException or, for some streams, ZLibException (an IOException);
            // the source is memory, so no IOException here is a real I/O failure. .NET words every damaged deflate
            // stream as "an unsupported compression method", which misleads, so its message stays in the inner exception.
            throw new InvalidImageContentException($"the compressed image data (zlib) is damaged after {filled} of {destination.Length} bytes; the file is corrupt", null, e);
        }

        if (filled < destination.Length)
        {
            ImageThrow.InvalidContent($"the compressed image data ends after {filled} of {destination.Length} bytes (truncated file)");
        }
    }

    /// <summary>The two-byte zlib header (RFC 1950 §2.2): a check value divisible by 31, deflate with at most a 32 KB window, no preset dictionary (PNG spec 10.1).</summary>
    private static void CheckZlibHeader(ReadOnlySpan<byte> zlib)
    {
        if (zlib.Length < 2)
        {
            ImageThrow.InvalidContent($"the image data holds {zlib.Length} bytes, too few for a zlib header (truncated file)");
        }

        int cmf = zlib[0], flags = zlib[1];
        if ((cmf * 256 + flags) % 31 != 0)
        {
            ImageThrow.InvalidContent($"the zlib header of the image data (0x{cmf:X2} 0x{flags:X2}) fails its check; the file is corrupt");
        }

        if ((cmf & 0x0F) != 8 || cmf >> 4 > 7)
        {
            ImageThrow.InvalidContent($"the zlib header declares compression method {cmf & 0x0F} with a 2^{(cmf >> 4) + 8}-byte window; PNG allows only deflate (8) with at most 32 KB");
        }

        if ((flags & 0x20) != 0)
        {
            ImageThrow.InvalidContent("the zlib header asks for a preset dictionary, which PNG does not allow");
        }
    }

    private static void ValidateChunkType(uint type, int offset)
    {
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            uint c = (type >> shift) & 0xFF;
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z'))
            {
                ImageThrow.InvalidContent($"the chunk at byte {offset} has an invalid type code 0x{type:X8} (corrupt file)");
            }
        }
    }

    private static void CheckCrc(ReadOnlySpan<byte> typeAndData, uint stored, uint type)
    {
        if (Crc32.Compute(typeAndData) != stored)
        {
            ImageThrow.InvalidContent($"CRC mismatch in chunk '{ChunkName(type)}' (corrupt file)");
        }
    }

    private static string ChunkName(uint type)
    {
        Span<char> chars = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            uint c = (type >> (24 - 8 * i)) & 0xFF;
            chars[i] = c is >= 32 and < 127 ? (char)c : '?';
        }

        return new string(chars);
    }

    /// <summary>What the chunk walk found; owns the pooled IDAT buffer until <see cref="Release"/>.</summary>
    private sealed class ParsedFile
    {
        public PngHeader? Header;
        public readonly byte[] Palette = new byte[768];
        public int PaletteEntries;
        public int Orientation = 1;
        public byte[] Idat = [];
        public int IdatLength;

        public void AppendIdat(ReadOnlySpan<byte> payload)
        {
            if (IdatLength + payload.Length > Idat.Length)
            {
                long capacity = Math.Max((long)IdatLength + payload.Length, Math.Min(Array.MaxLength, Idat.Length * 2L));
                byte[] bigger = ArrayPool<byte>.Shared.Rent((int)capacity);
                Idat.AsSpan(0, IdatLength).CopyTo(bigger);
                Release();
                Idat = bigger;
            }

            payload.CopyTo(Idat.AsSpan(IdatLength));
            IdatLength += payload.Length;
        }

        public void Release()
        {
            if (Idat.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(Idat);
                Idat = [];
            }
        }
    }

    /// <summary>Receives each reconstructed row of a pass and stores its pixels in the output.</summary>
    private interface IRowSink
    {
        void Write(ReadOnlySpan<byte> row, int y, int x0, int dx, int count);
    }

    private sealed class RgbSink(ParsedFile file, RgbImage image) : IRowSink
    {
        private readonly PngHeader h = file.Header!;
        private readonly byte[] palette = file.Palette;

        public void Write(ReadOnlySpan<byte> row, int y, int x0, int dx, int count)
        {
            Span<byte> outRow = image.GetRow(y);
            int bd = h.BitDepth;
            switch (h.ColorType)
            {
                case PngHeader.ColorRgb when bd == 8 && dx == 1:
                    row[..(3 * count)].CopyTo(outRow);
                    break;
                case PngHeader.ColorRgb or PngHeader.ColorRgba:
                    int stride = h.Channels * bd / 8, step = bd / 8;
                    for (int i = 0, o = 3 * x0; i < count; i++, o += 3 * dx)
                    {
                        int s = i * stride;
                        outRow[o] = row[s];
                        outRow[o + 1] = row[s + step];
                        outRow[o + 2] = row[s + 2 * step];
                    }

                    break;
                case PngHeader.ColorGrayAlpha:
                    int gaStride = 2 * bd / 8;
                    for (int i = 0, o = 3 * x0; i < count; i++, o += 3 * dx)
                    {
                        byte v = row[i * gaStride];
                        outRow[o] = v;
                        outRow[o + 1] = v;
                        outRow[o + 2] = v;
                    }

                    break;
                case PngHeader.ColorGray:
                    int scale = bd switch { 1 => 255, 2 => 85, 4 => 17, _ => 1 };
                    for (int i = 0, o = 3 * x0; i < count; i++, o += 3 * dx)
                    {
                        byte v = bd == 16 ? row[2 * i] : (byte)(Sample(row, i, bd) * scale);
                        outRow[o] = v;
                        outRow[o + 1] = v;
                        outRow[o + 2] = v;
                    }

                    break;
                default:
                    for (int i = 0, o = 3 * x0; i < count; i++, o += 3 * dx)
                    {
                        int p = 3 * Sample(row, i, bd);
                        outRow[o] = palette[p];
                        outRow[o + 1] = palette[p + 1];
                        outRow[o + 2] = palette[p + 2];
                    }

                    break;
            }
        }
    }

    private sealed class LabelSink(ParsedFile file, LabelMap labels) : IRowSink
    {
        private readonly PngHeader h = file.Header!;

        public void Write(ReadOnlySpan<byte> row, int y, int x0, int dx, int count)
        {
            Span<byte> outRow = labels.GetRow(y);
            int bd = h.BitDepth;
            int stride = h.ColorType == PngHeader.ColorGrayAlpha ? 2 : 1;
            if (bd == 8 && stride == 1 && dx == 1)
            {
                row[..count].CopyTo(outRow);
                return;
            }

            for (int i = 0, o = x0; i < count; i++, o += dx)
            {
                int value;
                if (bd == 16)
                {
                    int s = 2 * stride * i;
                    value = (row[s] << 8) | row[s + 1];
                    if (value > 255)
                    {
                        ImageThrow.Unsupported($"the 16-bit gray value {value} at ({o}, {y}) does not fit an 8-bit label map");
                    }
                }
                else
                {
                    value = bd == 8 ? row[stride * i] : Sample(row, i, bd);
                }

                outRow[o] = (byte)value;
            }
        }
    }

    /// <summary>The i-th sample of a row packed at 1, 2, 4 or 8 bits, most significant bits first.</summary>
    private static int Sample(ReadOnlySpan<byte> row, int i, int bitDepth)
    {
        if (bitDepth == 8)
        {
            return row[i];
        }

        int bit = i * bitDepth;
        return (row[bit >> 3] >> (8 - bitDepth - (bit & 7))) & ((1 << bitDepth) - 1);
    }
}
