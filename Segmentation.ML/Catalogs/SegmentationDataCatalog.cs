using Segmentation.ML.Data;
using Segmentation.ML.Hypercolumns;

namespace Microsoft.ML;

/// <summary>
/// The dataset readers and pixel sampling of <see cref="MLContext.Data"/>. In ML.NET's namespace, as ML.NET's
/// own extension packages put theirs, so <c>using Microsoft.ML;</c> is all a user needs.
/// </summary>
public static class SegmentationDataCatalog
{
    /// <summary>
    /// A split of PASCAL VOC 2012 (VOCdevkit layout) as a data view: Id, ImagePath, LabelPath (text) and Label
    /// (a label map over VOC's 21 classes, 255 ignored; see <see cref="LabelMapColumn"/>).
    /// </summary>
    /// <exception cref="DatasetException">The layout is wrong or the split list is missing.</exception>
    public static DatasetDataView LoadVoc(this DataOperationsCatalog catalog, string root, string split = "train", DatasetReadOptions? options = null) =>
        new(VocDataset.Open(root, split, options));

    /// <summary>A split of CamVid (SegNet layout) as a data view: Id, ImagePath, LabelPath and Label (11 classes, 11 ignored).</summary>
    /// <exception cref="DatasetException">The layout is wrong or the split list is missing.</exception>
    public static DatasetDataView LoadCamVid(this DataOperationsCatalog catalog, string root, string split = "train", DatasetReadOptions? options = null) =>
        new(CamVidDataset.Open(root, split, options));

    /// <summary>A folder of <c>images/</c>, <c>masks/</c> and <c>classes.json</c> (see data/README.md) as a data view.</summary>
    /// <exception cref="DatasetException">The layout is wrong.</exception>
    public static DatasetDataView LoadSegmentationFolder(this DataOperationsCatalog catalog, string root, string? split = null, DatasetReadOptions? options = null) =>
        new(FolderDataset.Open(root, split, options));

    /// <summary>
    /// Samples K labelled hypercolumns per class present in each image of <paramref name="data"/> (which holds a
    /// Hypercolumns column from <c>ExtractHypercolumns</c> and a label map column); the ignore label is never
    /// sampled. <see cref="SampledPixels.ToDataView"/> turns the result into a data view for ML.NET's trainers.
    /// </summary>
    /// <exception cref="SchemaException">A column is missing or of the wrong type.</exception>
    public static SampledPixels SamplePixels(this DataOperationsCatalog catalog, IDataView data, int perClass = HypercolumnTrainerOptions.Defaults.SamplesPerClass,
        int? perClassCap = null, int seed = 0, string hypercolumnsColumnName = "Hypercolumns", string labelColumnName = "Label") =>
        PixelSampler.Sample(data, perClass, perClassCap, seed, hypercolumnsColumnName, labelColumnName);
}
