using System.CommandLine;
using Segmentation.ML.Data.Downloads;

namespace Segmentation.Cli.Commands;

/// <summary><c>segml weights fetch vgg16|vgg11|mobilenet_v2|resnet18|resnet50</c>: download torchvision's ImageNet weights into the cache.</summary>
internal static class WeightsFetchCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = string.Join(", ", DownloadSources.Weights.Select(source => source.Name)) + "." };
        name.AcceptOnlyFromAmong([.. DownloadSources.Weights.Select(source => source.Name)]);
        var url = new Option<string?>("--url") { Description = $"Download from this URL instead of download.pytorch.org. A file name carrying another hash (name-HEX.pth) is a different build: it is stored under that name and verified by that hash. {DownloadSources.MirrorVariable}=URL fetches URL/<file name> instead." };
        var cache = new Option<string?>("--cache") { Description = $"The weights folder (default: ${WeightsCache.CacheVariable}, else $XDG_CACHE_HOME/segml/weights, else ~/.cache/segml/weights; %LOCALAPPDATA%\\segml\\weights on Windows)." };
        var command = new Command("fetch", Describe())
        {
            name, url, cache,
        };
        command.SetAction((parse, cancellation) =>
        {
            var source = DownloadSources.FindWeights(parse.GetValue(name)!)!;
            var options = new FetchOptions
            {
                Url = parse.GetValue(url),
                MirrorBase = Environment.GetEnvironmentVariable(DownloadSources.MirrorVariable),
            };
            return DataFetchCommand.RunAsync(parse, source, parse.GetValue(cache) ?? WeightsCache.DefaultDirectory, options, cancellation);
        });
        return command;
    }

    private static string Describe()
    {
        var lines = new List<string> { "Download ImageNet-pretrained backbone weights from torchvision into the weights cache:" };
        foreach (var source in DownloadSources.Weights)
        {
            lines.Add($"  {source.Name}: {source.ResolveUrl()} ({DataFetchCommand.ApproximateSize(source)})");
        }

        lines.Add("Each file is verified by the SHA-256 prefix in its name, as torch hub does, and lands in the cache under that name (e.g. ~/.cache/segml/weights/vgg16-397923af.pth).");
        lines.Add("Bytes go to <file>.part first; re-running after an interruption or Ctrl+C resumes the download, and a verified file in the cache is not downloaded again.");
        return string.Join(Environment.NewLine, lines);
    }
}
