using System.Buffers;

namespace Segmentation.ML.Imaging.Jpeg;

/// <summary>
/// JPEG decoder core (ITU T.81): Huffman-coded baseline, extended sequential (8-bit) and
/// progressive processes, 1 or 3 components, any integer sampling ratios, restart intervals,
/// JFIF/Adobe colour-space rules and the EXIF orientation tag. Reconstruction follows
/// libjpeg-turbo's defaults (islow IDCT, fancy upsampling, its YCbCr table arithmetic).
/// One instance decodes one image.
/// </summary>
internal sealed class JpegDecoder
{
    private const int MaxScans = 1000;

    /// <summary>Natural-order index of each zig-zag position, padded so corrupt run lengths past 63 land on 63 (as in libjpeg).</summary>
    private static ReadOnlySpan<byte> ZigZag =>
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
        63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
    ];

    private readonly ImageDecoderOptions _options;
    private readonly int[]?[] _quantTables = new int[4][];
    private readonly JpegHuffmanTable?[] _dcTables = new JpegHuffmanTable?[4];
    private readonly JpegHuffmanTable?[] _acTables = new JpegHuffmanTable?[4];
    private JpegComponent[] _components = [];
    private int _width, _height, _hMax, _vMax, _mcusPerLine, _mcusPerColumn;
    private int _frameMarker = -1;
    private bool _progressive, _buffersAllocated, _sawJfif, _sawAdobe, _sawExif;
    private int _adobeTransform, _restartInterval, _scanCount, _eobRun;
    private int _orientation = 1;

    private JpegDecoder(ImageDecoderOptions options) => _options = options;

    public static bool HasSignature(ReadOnlySpan<byte> data) => data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;

    /// <summary>Reads markers up to the frame header. Returns null when <paramref name="data"/> ends first and more may follow.</summary>
    public static ImageInfo? Identify(ReadOnlySpan<byte> data, bool complete)
    {
        var decoder = new JpegDecoder(ImageDecoderOptions.Default with { MaxPixels = long.MaxValue });
        int precision;
        try
        {
            precision = decoder.ReadHeaders(data);
        }
        catch (InvalidImageContentException) when (!complete)
        {
            return null;
        }

        if (precision < 0)
        {
            return complete ? ImageThrow.InvalidContent<ImageInfo>("the file has no frame header (SOF marker)") : null;
        }

        int channels = decoder._components.Length;
        ImageColorModel model = channels == 1 ? ImageColorModel.Grayscale : decoder.IsRgbColorSpace() ? ImageColorModel.Rgb : ImageColorModel.YCbCr;
        return new ImageInfo(ImageFormat.Jpeg, decoder._width, decoder._height, channels, precision, model,
            decoder._frameMarker is 0xC2 or 0xC6 or 0xCA or 0xCE, decoder._orientation);
    }

    public static RgbImage DecodeRgb(ReadOnlySpan<byte> data, ImageDecoderOptions options)
    {
        var decoder = new JpegDecoder(options);
        try
        {
            decoder.DecodeAll(data);
            RgbImage image = decoder.ConvertToRgb();
            return options.ApplyExifOrientation ? Orientation.Apply(image, decoder._orientation) : image;
        }
        finally
        {
            decoder.ReleaseBuffers();
        }
    }

    /// <summary>Parses markers until the frame header has been read; returns its sample precision, or -1 if none was found.</summary>
    private int ReadHeaders(ReadOnlySpan<byte> data)
    {
        int position = 2;
        while (true)
        {
            int marker = NextMarker(data, ref position);
            if (marker < 0 || marker == 0xD9)
            {
                return -1;
            }

            ReadOnlySpan<byte> payload = SegmentPayload(data, marker, position);
            if (IsFrameMarker(marker))
            {
                _frameMarker = marker;
                return ReadFrameHeader(payload, validateProcess: false);
            }

            ReadSegment(marker, payload);
            position += 2 + payload.Length;
        }
    }

    private void DecodeAll(ReadOnlySpan<byte> data)
    {
        int position = 2;
        bool sawEoi = false;
        while (!sawEoi)
        {
            int marker = NextMarker(data, ref position);
            if (marker < 0)
            {
                break;
            }

            switch (marker)
            {
                case 0xD9:
                    sawEoi = true;
                    continue;
                case 0xD8:
                    ImageThrow.InvalidContent($"a second start-of-image marker at byte {position - 2}");
                    break;
                case >= 0xD0 and <= 0xD7 or 0x01:
                    continue;
            }

            ReadOnlySpan<byte> payload = SegmentPayload(data, marker, position);
            position += 2 + payload.Length;
            if (IsFrameMarker(marker))
            {
                if (_frameMarker >= 0)
                {
                    ImageThrow.InvalidContent("the file has a second frame header (SOF marker)");
                }

                _frameMarker = marker;
                ReadFrameHeader(payload, validateProcess: true);
            }
            else if (marker == 0xDA)
            {
                position = DecodeScan(data, payload, position);
            }
            else
            {
                ReadSegment(marker, payload);
            }
        }

        if (_frameMarker < 0)
        {
            ImageThrow.InvalidContent("the file has no frame header (SOF marker)");
        }

        if (_scanCount == 0)
        {
            ImageThrow.InvalidContent("the file has no image data (SOS marker)");
        }

        if (!sawEoi && _progressive)
        {
            ImageThrow.InvalidContent("the progressive data ends before the end-of-image marker (truncated file)");
        }

        foreach (JpegComponent c in _components)
        {
            if (!c.Coded)
            {
                ImageThrow.InvalidContent($"component {c.Id} never appears in a scan (truncated or corrupt file)");
            }
        }
    }

    /// <summary>Finds the next marker at or after <paramref name="position"/>, skipping fill bytes and stray data; returns its code and leaves the position after it, or -1 at the end of data.</summary>
    private static int NextMarker(ReadOnlySpan<byte> data, ref int position)
    {
        int p = position;
        while (p + 1 < data.Length)
        {
            if (data[p] == 0xFF && data[p + 1] != 0xFF && data[p + 1] != 0)
            {
                position = p + 2;
                return data[p + 1];
            }

            p++;
        }

        position = data.Length;
        return -1;
    }

    private static bool HasLength(int marker) => marker is not (>= 0xD0 and <= 0xD9 or 0x01);

    private static ReadOnlySpan<byte> SegmentPayload(ReadOnlySpan<byte> data, int marker, int position)
    {
        if (!HasLength(marker))
        {
            return [];
        }

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

    private static bool IsFrameMarker(int marker) => marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);

    /// <summary>Reads DQT, DHT, DRI and the application segments the decoder cares about; ignores the rest.</summary>
    private void ReadSegment(int marker, ReadOnlySpan<byte> payload)
    {
        switch (marker)
        {
            case 0xDB:
                ReadQuantTables(payload);
                break;
            case 0xC4:
                ReadHuffmanTables(payload);
                break;
            case 0xDD:
                if (payload.Length < 2)
                {
                    ImageThrow.InvalidContent("the restart interval segment (DRI) is shorter than 2 bytes");
                }

                _restartInterval = (payload[0] << 8) | payload[1];
                break;
            case 0xE0:
                _sawJfif |= payload.StartsWith("JFIF\0"u8);
                break;
            case 0xE1:
                if (!_sawExif && payload.StartsWith("Exif\0\0"u8))
                {
                    _sawExif = true;
                    _orientation = Orientation.ReadFromTiff(payload[6..]);
                }

                break;
            case 0xEE:
                if (payload.Length >= 12 && payload.StartsWith("Adobe"u8))
                {
                    _sawAdobe = true;
                    _adobeTransform = payload[11];
                }

                break;
            case 0xDC:
                ImageThrow.Unsupported("the image height is defined by a DNL marker");
                break;
        }
    }

    private void ReadQuantTables(ReadOnlySpan<byte> payload)
    {
        while (payload.Length > 0)
        {
            int precision = payload[0] >> 4, index = payload[0] & 15;
            int size = precision == 0 ? 64 : 128;
            if (precision > 1 || index > 3)
            {
                ImageThrow.InvalidContent($"a quantization table declares precision {precision} and slot {index} (expected 0..1 and 0..3)");
            }

            if (payload.Length < 1 + size)
            {
                ImageThrow.InvalidContent("a quantization table segment (DQT) is shorter than its tables");
            }

            var table = new int[64];
            for (int k = 0; k < 64; k++)
            {
                table[ZigZag[k]] = precision == 0 ? payload[1 + k] : (payload[1 + 2 * k] << 8) | payload[2 + 2 * k];
            }

            _quantTables[index] = table;
            payload = payload[(1 + size)..];
        }
    }

    private void ReadHuffmanTables(ReadOnlySpan<byte> payload)
    {
        while (payload.Length > 0)
        {
            int tableClass = payload[0] >> 4, index = payload[0] & 15;
            if (tableClass > 1 || index > 3)
            {
                ImageThrow.InvalidContent($"a Huffman table declares class {tableClass} and slot {index} (expected 0..1 and 0..3)");
            }

            if (payload.Length < 17)
            {
                ImageThrow.InvalidContent("a Huffman table segment (DHT) is shorter than its code-length counts");
            }

            ReadOnlySpan<byte> counts = payload.Slice(1, 16);
            int total = 0;
            foreach (byte n in counts)
            {
                total += n;
            }

            if (total > 256 || payload.Length < 17 + total)
            {
                ImageThrow.InvalidContent($"a Huffman table declares {total} symbols but its segment holds {payload.Length - 17}");
            }

            var table = new JpegHuffmanTable(counts, payload.Slice(17, total));
            (tableClass == 0 ? _dcTables : _acTables)[index] = table;
            payload = payload[(17 + total)..];
        }
    }

    private int ReadFrameHeader(ReadOnlySpan<byte> payload, bool validateProcess)
    {
        if (payload.Length < 6)
        {
            ImageThrow.InvalidContent("the frame header (SOF) is shorter than 6 bytes");
        }

        int precision = payload[0];
        _height = (payload[1] << 8) | payload[2];
        _width = (payload[3] << 8) | payload[4];
        int count = payload[5];
        if (payload.Length < 6 + 3 * count)
        {
            ImageThrow.InvalidContent($"the frame header declares {count} components but holds {(payload.Length - 6) / 3}");
        }

        if (validateProcess)
        {
            string? unsupported = _frameMarker switch
            {
                0xC3 => "lossless JPEG (SOF3)",
                0xC5 or 0xC6 or 0xC7 => $"hierarchical JPEG (SOF{_frameMarker - 0xC0})",
                >= 0xC9 => $"arithmetic-coded JPEG (SOF{_frameMarker - 0xC0})",
                _ => null,
            };
            if (unsupported is not null)
            {
                ImageThrow.Unsupported($"{unsupported} is not supported; only Huffman-coded baseline, extended and progressive JPEG are");
            }

            if (precision != 8)
            {
                ImageThrow.Unsupported($"{precision}-bit samples are not supported; only 8-bit JPEG is");
            }

            if (_height == 0)
            {
                ImageThrow.Unsupported("the image height is defined by a DNL marker");
            }

            if (_width == 0)
            {
                ImageThrow.InvalidContent("the frame header declares width 0");
            }

            ImageThrow.IfTooLarge(_width, _height, _options);
            if (count == 4)
            {
                ImageThrow.Unsupported("4-component (CMYK/YCCK) JPEG is not supported");
            }

            if (count is not (1 or 3))
            {
                ImageThrow.Unsupported($"{count}-component JPEG is not supported; only gray (1) and colour (3) are");
            }
        }

        _progressive = _frameMarker == 0xC2;
        var components = new JpegComponent[count];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> c = payload.Slice(6 + 3 * i, 3);
            int h = c[1] >> 4, v = c[1] & 15, tq = c[2];
            if (validateProcess && (h is < 1 or > 4 || v is < 1 or > 4 || tq > 3))
            {
                ImageThrow.InvalidContent($"component {c[0]} declares sampling {h}×{v} and quantization table {tq} (expected 1..4 and 0..3)");
            }

            for (int j = 0; j < i; j++)
            {
                if (components[j].Id == c[0])
                {
                    ImageThrow.InvalidContent($"the frame header declares component {c[0]} twice");
                }
            }

            components[i] = new JpegComponent(c[0], Math.Max(1, h), Math.Max(1, v), tq);
        }

        _components = components;

        _hMax = 1;
        _vMax = 1;
        foreach (JpegComponent c in _components)
        {
            _hMax = Math.Max(_hMax, c.H);
            _vMax = Math.Max(_vMax, c.V);
        }

        _mcusPerLine = (_width + 8 * _hMax - 1) / (8 * _hMax);
        _mcusPerColumn = (_height + 8 * _vMax - 1) / (8 * _vMax);
        foreach (JpegComponent c in _components)
        {
            if (validateProcess && (_hMax % c.H != 0 || _vMax % c.V != 0))
            {
                ImageThrow.Unsupported($"component {c.Id} has sampling {c.H}×{c.V} against a maximum of {_hMax}×{_vMax}; fractional ratios are not supported");
            }

            c.Width = (int)(((long)_width * c.H + _hMax - 1) / _hMax);
            c.Height = (int)(((long)_height * c.V + _vMax - 1) / _vMax);
            c.BlocksPerLine = _mcusPerLine * c.H;
            c.BlocksPerColumn = _mcusPerColumn * c.V;
        }

        return precision;
    }

    private bool IsRgbColorSpace()
    {
        if (_components.Length != 3 || _sawJfif)
        {
            return false;
        }

        if (_sawAdobe)
        {
            return _adobeTransform == 0;
        }

        return _components[0].Id == 'R' && _components[1].Id == 'G' && _components[2].Id == 'B';
    }

    private void AllocateBuffers()
    {
        _buffersAllocated = true;
        foreach (JpegComponent c in _components)
        {
            long planeBytes = (long)c.PlaneStride * c.BlocksPerColumn * 8;
            long coefficients = (long)c.BlocksPerLine * c.BlocksPerColumn * 64;
            if (planeBytes > Array.MaxLength || (_progressive && coefficients > Array.MaxLength))
            {
                ImageThrow.Unsupported($"a {_width}×{_height} JPEG needs more memory per component than one array holds");
            }

            c.Plane = ArrayPool<byte>.Shared.Rent((int)planeBytes);
            if (_progressive)
            {
                c.Coefficients = ArrayPool<short>.Shared.Rent((int)coefficients);
                Array.Clear(c.Coefficients, 0, (int)coefficients);
            }
        }
    }

    private void ReleaseBuffers()
    {
        foreach (JpegComponent c in _components)
        {
            if (c.Plane.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(c.Plane);
                c.Plane = [];
            }

            if (c.Coefficients.Length > 0)
            {
                ArrayPool<short>.Shared.Return(c.Coefficients);
                c.Coefficients = [];
            }
        }
    }

    /// <summary>Parses a scan header and decodes its entropy-coded data; returns the position of the marker that follows.</summary>
    private int DecodeScan(ReadOnlySpan<byte> data, ReadOnlySpan<byte> header, int dataStart)
    {
        if (_frameMarker < 0)
        {
            ImageThrow.InvalidContent("a scan (SOS) comes before the frame header (SOF)");
        }

        if (++_scanCount > MaxScans)
        {
            ImageThrow.InvalidContent($"the file has more than {MaxScans} scans");
        }

        int count = header.Length > 0 ? header[0] : 0;
        if (count is < 1 or > 4 || count > _components.Length || header.Length < 4 + 2 * count)
        {
            ImageThrow.InvalidContent($"a scan header declares {count} components in {header.Length} bytes (frame has {_components.Length})");
        }

        var scan = new JpegComponent[count];
        for (int i = 0; i < count; i++)
        {
            int id = header[1 + 2 * i], tables = header[2 + 2 * i];
            JpegComponent? component = Array.Find(_components, c => c.Id == id);
            if (component is null || Array.IndexOf(scan, component, 0, i) >= 0)
            {
                ImageThrow.InvalidContent($"a scan refers to component {id}, which the frame does not declare or the scan repeats");
            }

            int dc = tables >> 4, ac = tables & 15;
            component.DcTable = dc < 4 ? _dcTables[dc] : null;
            component.AcTable = ac < 4 ? _acTables[ac] : null;
            component.Quant ??= (_quantTables[component.QuantTableIndex] ??
                ImageThrow.InvalidContent<int[]>($"component {id} uses quantization table {component.QuantTableIndex}, which is not defined"));
            component.Coded = true;
            scan[i] = component;
        }

        int spectralStart = header[1 + 2 * count], spectralEnd = header[2 + 2 * count];
        int approxHigh = header[3 + 2 * count] >> 4, approxLow = header[3 + 2 * count] & 15;
        if (count > 1)
        {
            int blocks = 0;
            foreach (JpegComponent c in scan)
            {
                blocks += c.H * c.V;
            }

            if (blocks > 10)
            {
                ImageThrow.InvalidContent($"an interleaved scan has {blocks} blocks per MCU; at most 10 are allowed");
            }
        }

        var kind = ScanKind.Sequential;
        if (_progressive)
        {
            bool dcScan = spectralStart == 0;
            bool bad = dcScan ? spectralEnd != 0 : spectralStart > spectralEnd || spectralEnd > 63 || count != 1;
            bad |= approxHigh != 0 && approxLow != approxHigh - 1;
            bad |= approxLow > 13;
            if (bad)
            {
                ImageThrow.InvalidContent(
                    $"a progressive scan has invalid parameters Ss={spectralStart} Se={spectralEnd} Ah={approxHigh} Al={approxLow} for {count} component(s)");
            }

            kind = (dcScan, approxHigh == 0) switch
            {
                (true, true) => ScanKind.DcFirst,
                (true, false) => ScanKind.DcRefine,
                (false, true) => ScanKind.AcFirst,
                _ => ScanKind.AcRefine,
            };
        }

        foreach (JpegComponent c in scan)
        {
            bool needDc = kind is ScanKind.Sequential or ScanKind.DcFirst, needAc = kind is ScanKind.Sequential or ScanKind.AcFirst or ScanKind.AcRefine;
            if ((needDc && c.DcTable is null) || (needAc && c.AcTable is null))
            {
                ImageThrow.InvalidContent($"a scan of component {c.Id} uses a Huffman table that is not defined");
            }

            c.DcPredictor = 0;
        }

        if (!_buffersAllocated)
        {
            AllocateBuffers();
        }

        var reader = new JpegBitReader(data, dataStart);
        _eobRun = 0;
        var p = new ScanParameters(kind, spectralStart, spectralEnd, approxLow);
        if (count == 1)
        {
            DecodeNonInterleaved(data, ref reader, scan, p);
        }
        else
        {
            DecodeInterleaved(data, ref reader, scan, p);
        }

        if (reader.ReadPastEnd)
        {
            ImageThrow.InvalidContent("the entropy-coded data of a scan ends early (truncated or corrupt file)");
        }

        int next = reader.Position;
        return NextMarker(data, ref next) < 0 ? data.Length : next - 2;
    }

    private enum ScanKind
    {
        Sequential,
        DcFirst,
        DcRefine,
        AcFirst,
        AcRefine,
    }

    private readonly record struct ScanParameters(ScanKind Kind, int Start, int End, int Shift);

    private void DecodeNonInterleaved(ReadOnlySpan<byte> data, ref JpegBitReader reader, JpegComponent[] scan, ScanParameters p)
    {
        JpegComponent c = scan[0];
        Span<short> block = stackalloc short[64];
        int blocksWide = c.ScanBlocksPerLine, blocksHigh = c.ScanBlocksPerColumn;
        int restartsLeft = _restartInterval;
        for (int by = 0; by < blocksHigh; by++)
        {
            for (int bx = 0; bx < blocksWide; bx++)
            {
                if (_restartInterval > 0)
                {
                    if (restartsLeft == 0)
                    {
                        Restart(data, ref reader, scan);
                        restartsLeft = _restartInterval;
                    }

                    restartsLeft--;
                }

                DecodeBlock(ref reader, c, bx, by, p, block);
            }

            StopIfReadPastEnd(ref reader);
        }
    }

    private void DecodeInterleaved(ReadOnlySpan<byte> data, ref JpegBitReader reader, JpegComponent[] scan, ScanParameters p)
    {
        Span<short> block = stackalloc short[64];
        int restartsLeft = _restartInterval;
        for (int my = 0; my < _mcusPerColumn; my++)
        {
            for (int mx = 0; mx < _mcusPerLine; mx++)
            {
                if (_restartInterval > 0)
                {
                    if (restartsLeft == 0)
                    {
                        Restart(data, ref reader, scan);
                        restartsLeft = _restartInterval;
                    }

                    restartsLeft--;
                }

                foreach (JpegComponent c in scan)
                {
                    for (int v = 0; v < c.V; v++)
                    {
                        for (int h = 0; h < c.H; h++)
                        {
                            DecodeBlock(ref reader, c, mx * c.H + h, my * c.V + v, p, block);
                        }
                    }
                }
            }

            StopIfReadPastEnd(ref reader);
        }
    }

    /// <summary>
    /// Valid data never runs out before a row of blocks is complete, so stop at the first row that did
    /// rather than decoding the rest of a truncated (or maliciously small) file from padding bits.
    /// </summary>
    private static void StopIfReadPastEnd(ref JpegBitReader reader)
    {
        if (reader.ReadPastEnd)
        {
            ImageThrow.InvalidContent("the entropy-coded data of a scan ends early (truncated or corrupt file)");
        }
    }

    private void DecodeBlock(ref JpegBitReader reader, JpegComponent c, int bx, int by, ScanParameters p, scoped Span<short> block)
    {
        if (p.Kind == ScanKind.Sequential)
        {
            block.Clear();
            DecodeSequentialBlock(ref reader, c, block);
            JpegIdct.Transform(block, c.Quant, c.Plane, (by * c.PlaneStride + bx) * 8, c.PlaneStride);
            return;
        }

        Span<short> coefficients = c.Coefficients.AsSpan((by * c.BlocksPerLine + bx) * 64, 64);
        switch (p.Kind)
        {
            case ScanKind.DcFirst:
                int s = reader.DecodeHuffman(c.DcTable!);
                CheckDcCategory(s);
                c.DcPredictor += s == 0 ? 0 : reader.ReceiveExtend(s);
                coefficients[0] = (short)(c.DcPredictor << p.Shift);
                break;
            case ScanKind.DcRefine:
                if (reader.ReadBit() != 0)
                {
                    coefficients[0] |= (short)(1 << p.Shift);
                }

                break;
            case ScanKind.AcFirst:
                DecodeAcFirst(ref reader, c.AcTable!, coefficients, p);
                break;
            default:
                DecodeAcRefine(ref reader, c.AcTable!, coefficients, p);
                break;
        }
    }

    private static void DecodeSequentialBlock(ref JpegBitReader reader, JpegComponent c, scoped Span<short> block)
    {
        JpegHuffmanTable ac = c.AcTable!;
        int s = reader.DecodeHuffman(c.DcTable!);
        CheckDcCategory(s);
        c.DcPredictor += s == 0 ? 0 : reader.ReceiveExtend(s);
        block[0] = (short)c.DcPredictor;

        ReadOnlySpan<byte> zigZag = ZigZag;
        int[] fastAc = ac.FastAc;
        for (int k = 1; k < 64; k++)
        {
            reader.EnsureBits(16);
            int fast = fastAc[reader.Peek(JpegHuffmanTable.LookaheadBits)];
            if (fast != 0)
            {
                reader.Skip(fast & 0xFF);
                k += (fast >> 8) & 0xFF;
                block[zigZag[k]] = (short)(fast >> 16);
                continue;
            }

            int rs = reader.DecodeHuffman(ac);
            int run = rs >> 4, size = rs & 15;
            if (size == 0)
            {
                if (run != 15)
                {
                    break;
                }

                k += 15;
                continue;
            }

            k += run;
            block[zigZag[k]] = (short)reader.ReceiveExtend(size);
        }
    }

    private void DecodeAcFirst(ref JpegBitReader reader, JpegHuffmanTable ac, scoped Span<short> coefficients, ScanParameters p)
    {
        if (_eobRun > 0)
        {
            _eobRun--;
            return;
        }

        ReadOnlySpan<byte> zigZag = ZigZag;
        for (int k = p.Start; k <= p.End; k++)
        {
            int rs = reader.DecodeHuffman(ac);
            int run = rs >> 4, size = rs & 15;
            if (size != 0)
            {
                k += run;
                coefficients[zigZag[k]] = (short)(reader.ReceiveExtend(size) * (1 << p.Shift));
            }
            else if (run == 15)
            {
                k += 15;
            }
            else
            {
                _eobRun = (1 << run) - 1 + reader.ReadBits(run);
                break;
            }
        }
    }

    /// <summary>Successive-approximation refinement of AC coefficients (T.81 G.1.2.3).</summary>
    private void DecodeAcRefine(ref JpegBitReader reader, JpegHuffmanTable ac, scoped Span<short> coefficients, ScanParameters p)
    {
        ReadOnlySpan<byte> zigZag = ZigZag;
        int plus = 1 << p.Shift, minus = -1 << p.Shift;
        int k = p.Start;
        if (_eobRun == 0)
        {
            for (; k <= p.End; k++)
            {
                int rs = reader.DecodeHuffman(ac);
                int run = rs >> 4, size = rs & 15;
                int value = 0;
                if (size != 0)
                {
                    // Size must be 1 for a newly non-zero coefficient; the sign bit follows.
                    value = reader.ReadBit() != 0 ? plus : minus;
                }
                else if (run != 15)
                {
                    _eobRun = (1 << run) + reader.ReadBits(run);
                    break;
                }

                // Skip `run` zero-valued coefficients, refining the non-zero ones passed on the way.
                while (k <= p.End)
                {
                    ref short coefficient = ref coefficients[zigZag[k]];
                    if (coefficient != 0)
                    {
                        RefineNonZero(ref reader, ref coefficient, plus, minus);
                    }
                    else
                    {
                        if (run == 0)
                        {
                            break;
                        }

                        run--;
                    }

                    k++;
                }

                if (value != 0)
                {
                    coefficients[zigZag[k]] = (short)value;
                }
            }
        }

        if (_eobRun > 0)
        {
            for (; k <= p.End; k++)
            {
                ref short coefficient = ref coefficients[zigZag[k]];
                if (coefficient != 0)
                {
                    RefineNonZero(ref reader, ref coefficient, plus, minus);
                }
            }

            _eobRun--;
        }
    }

    private static void RefineNonZero(ref JpegBitReader reader, ref short coefficient, int plus, int minus)
    {
        if (reader.ReadBit() != 0 && (coefficient & plus) == 0)
        {
            coefficient = (short)(coefficient + (coefficient >= 0 ? plus : minus));
        }
    }

    private static void CheckDcCategory(int s)
    {
        if (s > 16)
        {
            ImageThrow.InvalidContent($"a DC difference declares magnitude category {s} (at most 16)");
        }
    }

    /// <summary>Ends a restart interval: expects an RSTn marker, then resets the bit reader and the predictors (T.81 F.2.1.3).</summary>
    private void Restart(ReadOnlySpan<byte> data, ref JpegBitReader reader, JpegComponent[] scan)
    {
        if (reader.ReadPastEnd)
        {
            ImageThrow.InvalidContent("a restart interval's entropy-coded data ends early (truncated or corrupt file)");
        }

        int position = reader.Position;
        int marker = NextMarker(data, ref position);
        if (marker is not (>= 0xD0 and <= 0xD7))
        {
            ImageThrow.InvalidContent(marker < 0
                ? "the file ends where a restart marker was expected (truncated file)"
                : $"expected a restart marker (RSTn) but found marker 0x{marker:X2} at byte {position - 2}");
        }

        reader = new JpegBitReader(data, position);
        foreach (JpegComponent c in scan)
        {
            c.DcPredictor = 0;
        }

        _eobRun = 0;
    }

    private RgbImage ConvertToRgb()
    {
        if (_progressive)
        {
            foreach (JpegComponent c in _components)
            {
                for (int by = 0; by < c.ScanBlocksPerColumn; by++)
                {
                    for (int bx = 0; bx < c.ScanBlocksPerLine; bx++)
                    {
                        JpegIdct.Transform(c.Coefficients.AsSpan((by * c.BlocksPerLine + bx) * 64, 64), c.Quant, c.Plane,
                            (by * c.PlaneStride + bx) * 8, c.PlaneStride);
                    }
                }
            }
        }

        var image = new RgbImage(_width, _height);
        int n = _components.Length;
        var upsamplers = new JpegUpsampler[n];
        var scratch = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            JpegComponent c = _components[i];
            int hFactor = _hMax / c.H, vFactor = _vMax / c.V;
            upsamplers[i] = new JpegUpsampler(hFactor, vFactor, c.Width, c.Height);
            scratch[i] = new byte[Math.Max(_width, c.Width * hFactor)];
        }

        bool rgb = IsRgbColorSpace();
        for (int y = 0; y < _height; y++)
        {
            Span<byte> output = image.GetRow(y);
            ReadOnlySpan<byte> first = upsamplers[0].GetRow(_components[0].Plane, _components[0].PlaneStride, y, scratch[0]);
            if (n == 1)
            {
                JpegColorConverter.GrayToRgb(first, output, _width);
                continue;
            }

            ReadOnlySpan<byte> second = upsamplers[1].GetRow(_components[1].Plane, _components[1].PlaneStride, y, scratch[1]);
            ReadOnlySpan<byte> third = upsamplers[2].GetRow(_components[2].Plane, _components[2].PlaneStride, y, scratch[2]);
            if (rgb)
            {
                JpegColorConverter.Interleave(first, second, third, output, _width);
            }
            else
            {
                JpegColorConverter.YCbCrToRgb(first, second, third, output, _width);
            }
        }

        return image;
    }
}
