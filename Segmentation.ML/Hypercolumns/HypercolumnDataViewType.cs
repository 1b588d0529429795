using Microsoft.ML.Data;

namespace Segmentation.ML.Hypercolumns;

/// <summary>A column of <see cref="HypercolumnMaps"/>: one image's hypercolumns, <see cref="Channels"/> values per output-grid cell.</summary>
public sealed class HypercolumnDataViewType(int channels, int outputStride) : StructuredDataViewType(typeof(HypercolumnMaps))
{
    /// <summary>Z, the length of one hypercolumn.</summary>
    public int Channels { get; } = channels;

    /// <summary>Image pixels per output-grid cell along each axis.</summary>
    public int OutputStride { get; } = outputStride;

    /// <inheritdoc />
    public override bool Equals(Microsoft.ML.Data.DataViewType? other) => other is HypercolumnDataViewType h && h.Channels == Channels && h.OutputStride == OutputStride;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Channels, OutputStride);

    /// <inheritdoc />
    public override string ToString() => $"Hypercolumns<{Channels}, stride {OutputStride}>";
}
