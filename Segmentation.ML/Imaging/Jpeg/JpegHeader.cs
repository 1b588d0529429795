namespace Segmentation.ML.Imaging.Jpeg;

/// <summary>
/// Reads a JPEG's marker segments up to the frame header (ITU T.81 B.2) for <see cref="ImageDecoder.Identify(string)"/>:
/// size, components, precision, process, colour space (JFIF, Adobe APP14, component ids as libjpeg guesses) and the
/// EXIF orientation. Pixels are never decoded here: photos are decoded with SkiaSharp (<see cref="MLImages"/>).
/// </summary>
internal static class JpegHeader
{
    public static bool HasSignature(ReadOnlySpan<byte> data) => data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;

    /// <summary>Reads markers up to the frame header. Returns null when <paramref name="data"/> ends first and more may follow.</summary>
    public static ImageInfo? Identify(ReadOnlySpan<byte> data, bool complete)
    {
        try
        {
            return ReadUpToFrame(data);
        }
        catch (InvalidImageContentException) when (!complete)
        {
            return null;
        }
    }

    private static ImageInfo ReadUpToFrame(ReadOnlySpan<byte> data)
    {
        bool jfif = false;
        int adobeTransform = -1, orientation = 0;
        int position = 2;
        while (true)
        {
            int marker = NextMarker(data, ref position);
            if (marker < 0 || marker == 0xD9)
            {
                return ImageThrow.InvalidContent<ImageInfo>("the file has no frame header (SOF marker)");
            }

            if (marker is >= 0xD0 and <= 0xD8 or 0x01)
            {
                continue;
            }

            ReadOnlySpan<byte> payload = SegmentPayload(data, marker, position);
            position += 2 + payload.Length;
            switch (marker)
            {
                case >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC):
                    return ReadFrame(marker, payload, jfif, adobeTransform, Math.Max(orientation, 1));
                case 0xE0:
                    jfif |= payload.StartsWith("JFIF\0"u8);
                    break;
                case 0xE1 when orientation == 0 && payload.StartsWith("Exif\0\0"u8):
                    orientation = Orientation.ReadFromTiff(payload[6..]);
                    break;
                case 0xEE when payload.Length >= 12 && payload.StartsWith("Adobe"u8):
                    adobeTransform = payload[11];
                    break;
            }
        }
    }

    private static ImageInfo ReadFrame(int marker, ReadOnlySpan<byte> payload, bool jfif, int adobeTransform, int orientation)
    {
        if (payload.Length < 6)
        {
            ImageThrow.InvalidContent("the frame header (SOF) is shorter than 6 bytes");
        }

        int precision = payload[0], height = (payload[1] << 8) | payload[2], width = (payload[3] << 8) | payload[4], count = payload[5];
        if (payload.Length < 6 + 3 * count)
        {
            ImageThrow.InvalidContent($"the frame header declares {count} components but holds {(payload.Length - 6) / 3}");
        }

        bool rgb = count == 3 && !jfif && (adobeTransform >= 0
            ? adobeTransform == 0
            : payload[6] == 'R' && payload[9] == 'G' && payload[12] == 'B');
        ImageColorModel model = count switch
        {
            1 => ImageColorModel.Grayscale,
            4 => ImageColorModel.Cmyk,
            _ => rgb ? ImageColorModel.Rgb : ImageColorModel.YCbCr,
        };
        bool progressive = marker is 0xC2 or 0xC6 or 0xCA or 0xCE;
        return new ImageInfo(ImageFormat.Jpeg, width, height, count, precision, model, progressive, orientation);
    }

    /// <summary>Finds the next marker at or after <paramref name="position"/>, skipping fill bytes and stray data; returns its code and leaves the position after it, or -1 at the end of data.</summary>
    private static int NextMarker(ReadOnlySpan<byte> data, ref int position)
    {
        for (int p = position; p + 1 < data.Length; p++)
        {
            if (data[p] == 0xFF && data[p + 1] != 0xFF && data[p + 1] != 0)
            {
                position = p + 2;
                return data[p + 1];
            }
        }

        position = data.Length;
        return -1;
    }

    private static ReadOnlySpan<byte> SegmentPayload(ReadOnlySpan<byte> data, int marker, int position)
    {
        if (position + 2 > data.Length)
        {
            ImageThrow.InvalidContent($"the file ends inside the length of marker 0x{marker:X2} (truncated file)");
        }

        int length = (data[position] << 8) | data[position + 1];
        if (length < 2)
        {
            ImageThrow.InvalidContent($"marker 0x{marker:X2} at byte {position - 2} declares an impossible length {length}");
        }

        if (position + length > data.Length)
        {
            ImageThrow.InvalidContent(
                $"marker 0x{marker:X2} at byte {position - 2} declares {length} bytes but only {data.Length - position} remain (truncated file)");
        }

        return data.Slice(position + 2, length - 2);
    }
}
