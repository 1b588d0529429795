namespace Segmentation.ML.Data;

/// <summary>The dataset loaders of <see cref="SegmentationContext.Data"/>.</summary>
public static class DataCatalogExtensions
{
    /// <summary>PASCAL VOC 2012 (VOCdevkit layout) as a data view with Id, ImagePath, LabelPath, Image, Label.</summary>
    /// <exception cref="DatasetException">The layout is wrong or the split list is missing.</exception>
    public static DatasetDataView LoadVoc(this DataOperationsCatalog catalog, string root, string split = "train", DatasetReadOptions? options = null) =>
        new(VocDataset.Open(root, split, options));

    /// <summary>CamVid (SegNet layout) as a data view with Id, ImagePath, LabelPath, Image, Label.</summary>
    /// <exception cref="DatasetException">The layout is wrong or the split list is missing.</exception>
    public static DatasetDataView LoadCamVid(this DataOperationsCatalog catalog, string root, string split = "train", DatasetReadOptions? options = null) =>
        new(CamVidDataset.Open(root, split, options));

    /// <summary>A folder of <c>images/</c>, <c>masks/</c> and <c>classes.json</c> as a data view.</summary>
    /// <exception cref="DatasetException">The layout is wrong.</exception>
    public static DatasetDataView LoadFolder(this DataOperationsCatalog catalog, string root, string? split = null, DatasetReadOptions? options = null) =>
        new(FolderDataset.Open(root, split, options));

    /// <summary>A data view over .NET objects; see <see cref="DataView.FromEnumerable{TRow}"/>.</summary>
    public static IDataView LoadFromEnumerable<TRow>(this DataOperationsCatalog catalog, IEnumerable<TRow> rows, SegmentationClassSet? labelClasses = null) where TRow : class =>
        DataView.FromEnumerable(rows, labelClasses);
}
