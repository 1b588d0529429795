using Segmentation.ML.Data.Downloads;

namespace Segmentation.ML.Tests.Data.Downloads;

/// <summary>The catalog's sources fetched end to end from the loopback server (URLs overridden, never the real ones).</summary>
public sealed class SourceFetcherTests : IAsyncLifetime
{
    private const int TestTimeout = 60_000;

    private readonly LoopbackHttpServer _server = new();
    private readonly TempDataset _temp = new();
    private readonly FileDownloader _downloader = new(new SocketsHttpHandler { UseProxy = false },
        new FileDownloaderOptions { MaxRetries = 0, IdleTimeout = TimeSpan.FromSeconds(10) });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _downloader.Dispose();
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Voc_lands_in_vocdevkit_and_a_second_fetch_finds_it_complete()
    {
        byte[] tar = DownloadFixtures.VocTar();
        var url = _server.Serve("/voc/VOCtrainval_11-May-2012.tar", tar);
        string dest = _temp.PathOf("data");
        var options = new FetchOptions { Url = url.ToString(), Hash = FileHash.Md5(DownloadFixtures.Md5(tar)) };
        var fetcher = new SourceFetcher(_downloader);

        var first = await fetcher.FetchAsync(DownloadSources.Voc2012, dest, options);

        Assert.Equal(Path.Combine(dest, "VOCdevkit", "VOC2012"), first.Path);
        Assert.False(first.WasAlreadyPresent);
        foreach (var (path, content) in DownloadFixtures.VocFiles)
        {
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(first.Path, path)));
        }

        Assert.Equal(["VOCdevkit"], Directory.EnumerateFileSystemEntries(dest).Select(Path.GetFileName));

        var second = await fetcher.FetchAsync(DownloadSources.Voc2012, dest, options);
        Assert.True(second.WasAlreadyPresent);
        Assert.Single(_server.Requests);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Voc_with_the_published_md5_rejects_other_bytes()
    {
        var url = _server.Serve("/VOCtrainval_11-May-2012.tar", DownloadFixtures.VocTar());
        string dest = _temp.PathOf("data");

        var e = await Assert.ThrowsAsync<DownloadException>(() => new SourceFetcher(_downloader).FetchAsync(DownloadSources.Voc2012, dest, new FetchOptions { MirrorBase = _server.BaseUrl.ToString() }));

        Assert.Equal(DownloadProblem.HashMismatch, e.Problem);
        Assert.Equal("6cd6e144f989b92b3379bac3b3de84fd", e.ExpectedHash);
        Assert.Equal(url, e.Url);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dest));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CamVid_is_checked_by_content_and_lands_in_camvid()
    {
        var url = _server.Serve("/master.zip", DownloadFixtures.CamVidZip());
        string dest = _temp.PathOf("data");

        var result = await new SourceFetcher(_downloader).FetchAsync(DownloadSources.CamVid, dest, new FetchOptions { Url = url.ToString() });

        Assert.Equal(Path.Combine(dest, "camvid"), result.Path);
        Assert.Empty(DownloadSources.CamVid.Content!.FindProblems(result.Path));
        Assert.Equal(367, Directory.GetFiles(Path.Combine(result.Path, "train")).Length);
        Assert.Equal(233, Directory.GetFiles(Path.Combine(result.Path, "testannot")).Length);
        Assert.Equal(["camvid"], Directory.EnumerateFileSystemEntries(dest).Select(Path.GetFileName));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CamVid_with_missing_pairs_is_refused_and_its_archive_deleted()
    {
        var url = _server.Serve("/master.zip", DownloadFixtures.CamVidZip(train: 366));
        string dest = _temp.PathOf("data");

        var e = await Assert.ThrowsAsync<DownloadException>(() => new SourceFetcher(_downloader).FetchAsync(DownloadSources.CamVid, dest, new FetchOptions { Url = url.ToString() }));

        Assert.Equal(DownloadProblem.UnexpectedContent, e.Problem);
        Assert.Contains("366 image+annotation pairs; expected 367", e.Message);
        Assert.Contains("run again", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dest));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task An_incomplete_dataset_folder_is_reported_not_overwritten()
    {
        _temp.WriteText("data/camvid/train.txt", "");

        var e = await Assert.ThrowsAsync<DownloadException>(() => new SourceFetcher(_downloader).FetchAsync(DownloadSources.CamVid, _temp.PathOf("data"), new FetchOptions { Url = _server.BaseUrl.ToString() }));

        Assert.Equal(DownloadProblem.DestinationExists, e.Problem);
        Assert.Contains("val.txt is missing", e.Message);
        Assert.Empty(_server.Requests);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Weights_from_a_url_carrying_another_hash_are_stored_and_verified_under_that_name()
    {
        var (content, fileName) = DownloadFixtures.Weights("vgg16");
        var url = _server.Serve("/models/" + fileName, content);
        string cache = _temp.PathOf("cache");

        var result = await new SourceFetcher(_downloader).FetchAsync(DownloadSources.Vgg16, cache, new FetchOptions { Url = url.ToString() });

        Assert.Equal(Path.Combine(cache, fileName), result.Path);
        Assert.Equal(content, File.ReadAllBytes(result.Path));
        Assert.StartsWith(fileName[6..14], result.Download!.ActualHash);
        Assert.Equal(result.Path, WeightsCache.Resolve(result.Path, cache));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Weights_whose_bytes_do_not_match_the_name_are_refused()
    {
        var (content, _) = DownloadFixtures.Weights("mobilenet_v2");
        var url = _server.Serve("/models/mobilenet_v2-0badc0de.pth", content);
        string cache = _temp.PathOf("cache");

        var e = await Assert.ThrowsAsync<DownloadException>(() => new SourceFetcher(_downloader).FetchAsync(DownloadSources.MobileNetV2, cache, new FetchOptions { Url = url.ToString() }));

        Assert.Equal(DownloadProblem.HashMismatch, e.Problem);
        Assert.Equal("0badc0de", e.ExpectedHash);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Weights_from_a_mirror_keep_the_published_name_and_hash()
    {
        var (content, _) = DownloadFixtures.Weights("vgg11");
        var url = _server.Serve("/mirror/vgg11-8a719358.pth", content);

        var e = await Assert.ThrowsAsync<DownloadException>(() => new SourceFetcher(_downloader).FetchAsync(DownloadSources.Vgg11, _temp.PathOf("cache"),
            new FetchOptions { MirrorBase = new Uri(_server.BaseUrl, "/mirror").ToString() }));

        Assert.Equal(DownloadProblem.HashMismatch, e.Problem);
        Assert.Equal("8a719358", e.ExpectedHash);
        Assert.Equal(url, e.Url);
    }
}
