namespace Segmentation.ML.Imaging.Jpeg;

/// <summary>One colour component of a frame (T.81 B.2.2) and its decoding state.</summary>
internal sealed class JpegComponent
{
    public JpegComponent(int id, int h, int v, int quantTableIndex)
    {
        Id = id;
        H = h;
        V = v;
        QuantTableIndex = quantTableIndex;
    }

    public int Id { get; }

    /// <summary>Horizontal sampling factor, 1..4.</summary>
    public int H { get; }

    /// <summary>Vertical sampling factor, 1..4.</summary>
    public int V { get; }

    public int QuantTableIndex { get; }

    /// <summary>Real size in samples: ceil(image size × factor / max factor).</summary>
    public int Width { get; set; }

    public int Height { get; set; }

    /// <summary>Blocks per line and per column, padded to whole MCUs.</summary>
    public int BlocksPerLine { get; set; }

    public int BlocksPerColumn { get; set; }

    /// <summary>Blocks covered by a non-interleaved scan: ceil(size / 8) each way.</summary>
    public int ScanBlocksPerLine => (Width + 7) / 8;

    public int ScanBlocksPerColumn => (Height + 7) / 8;

    /// <summary>Quantization steps in natural order, latched when the component first appears in a scan.</summary>
    public int[]? Quant { get; set; }

    public JpegHuffmanTable? DcTable { get; set; }

    public JpegHuffmanTable? AcTable { get; set; }

    public int DcPredictor { get; set; }

    /// <summary>Samples, <see cref="BlocksPerLine"/> × 8 wide (pooled).</summary>
    public byte[] Plane { get; set; } = [];

    public int PlaneStride => BlocksPerLine * 8;

    /// <summary>Progressive mode only: 64 coefficients per block, natural order (pooled).</summary>
    public short[] Coefficients { get; set; } = [];

    /// <summary>Whether any scan has carried data for this component.</summary>
    public bool Coded { get; set; }
}
