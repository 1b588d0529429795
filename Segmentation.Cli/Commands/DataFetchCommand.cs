using System.CommandLine;
using Segmentation.ML.Data.Downloads;
using Spectre.Console;

namespace Segmentation.Cli.Commands;

/// <summary><c>segml data fetch voc|camvid</c>: download a dataset and unpack it where the readers look.</summary>
internal static class DataFetchCommand
{
    public static Command Create()
    {
        var dataset = new Argument<string>("dataset") { Description = "voc or camvid." };
        dataset.AcceptOnlyFromAmong([.. DownloadSources.Datasets.Select(source => source.Name)]);
        var dest = new Option<string>("--dest") { Description = "The data folder the dataset is unpacked into.", DefaultValueFactory = _ => "data" };
        var url = new Option<string?>("--url") { Description = $"Download from this URL instead of the published one (e.g. a mirror of the same file). {DownloadSources.MirrorVariable}=URL does this for every file: URL/<file name>." };
        var checksum = new Option<string?>("--checksum") { Description = "md5:HEX or sha256:HEX replaces the published checksum (for a mirror serving a repackaged archive); none skips it. The folder check still applies." };
        var keepArchive = new Option<bool>("--keep-archive") { Description = "Keep the downloaded archive after unpacking (by default it is deleted)." };
        var command = new Command("fetch", Describe())
        {
            dataset, dest, url, checksum, keepArchive,
        };
        command.SetAction((parse, cancellation) =>
        {
            var source = DownloadSources.FindDataset(parse.GetValue(dataset)!)!;
            if (!TryParseChecksum(parse, parse.GetValue(checksum), out var hash, out bool verifyHash))
            {
                return Task.FromResult(ExitCodes.Usage);
            }

            var options = new FetchOptions
            {
                Url = parse.GetValue(url),
                MirrorBase = Environment.GetEnvironmentVariable(DownloadSources.MirrorVariable),
                Hash = hash,
                VerifyHash = verifyHash,
                KeepArchive = parse.GetValue(keepArchive),
            };
            return RunAsync(parse, source, parse.GetValue(dest)!, options, cancellation);
        });
        return command;
    }

    /// <summary>
    /// Fetches <paramref name="source"/> with a progress display, then prints one line saying where it is.
    /// Failures print one line: 1 for download errors, 2 for a malformed URL, 130 when cancelled.
    /// </summary>
    internal static async Task<int> RunAsync(ParseResult parse, DownloadSource source, string destination, FetchOptions options, CancellationToken cancellation)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        Uri from;
        try
        {
            from = source.ResolveUrl(options.Url, options.MirrorBase);
        }
        catch (ArgumentException e)
        {
            error.WriteLine(e.Message);
            return ExitCodes.Usage;
        }

        using var downloader = new FileDownloader();
        try
        {
            FetchResult? result = null;
            await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                    new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var display = new FetchDisplay(context, source, from);
                    result = await new SourceFetcher(downloader).FetchAsync(source, destination, options, display, cancellation);
                    display.Finish();
                });
            console.MarkupLineInterpolated($"{Summary(source, result!)}");
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            error.WriteLine($"Cancelled. What was downloaded stays in {Path.GetFullPath(destination)} as a .part file: run the same command again to resume.");
            return ExitCodes.Cancelled;
        }
        catch (DownloadException e)
        {
            error.WriteLine(e.Message);
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"Could not write the {source.Name} files under {Path.GetFullPath(destination)}: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>"1.9 GB", or "size not published".</summary>
    internal static string ApproximateSize(DownloadSource source) =>
        source.ApproximateSize is long bytes ? $"about {FormatBytes(bytes)}" : "size not published";

    private static string FormatBytes(double bytes) => bytes switch
    {
        >= 1e9 => $"{bytes / 1e9:0.0} GB",
        >= 1e6 => $"{bytes / 1e6:0} MB",
        >= 1e3 => $"{bytes / 1e3:0} kB",
        _ => $"{bytes:0} B",
    };

    private static string Summary(DownloadSource source, FetchResult result)
    {
        if (result.WasAlreadyPresent)
        {
            return $"{source.Name} is already complete in {result.Path}; nothing was downloaded.";
        }

        string verified = result.Download?.ActualHash is null
            ? source.Content is null ? "" : ", folder content checked"
            : $", checksum verified";
        string unpacked = result.Extraction is { } extraction ? $", {extraction.Files:N0} files unpacked" : "";
        string resumed = result.Download?.Outcome == DownloadOutcome.Resumed ? " (resumed)" : "";
        return $"{source.Name} → {result.Path}{resumed}{verified}{unpacked}.";
    }

    private static string Describe()
    {
        var lines = new List<string> { "Download a dataset and unpack it under --dest (default data/):" };
        foreach (var source in DownloadSources.Datasets)
        {
            string check = source.Hash is { } hash
                ? $"verified by its published {hash.AlgorithmName}"
                : "GitHub generates this zip on the fly, so no stable checksum exists: the unpacked folder is checked instead";
            lines.Add($"  {source.Name} -> <dest>/{source.Archive!.TargetFolder}/: {source.Description}.");
            lines.Add($"    From {source.ResolveUrl()} ({ApproximateSize(source)}); {check}.");
        }

        lines.Add("The archive downloads to <dest>/<file>.part; a verified archive is unpacked beside the destination and moved into place only when complete, then deleted. Re-running after an interruption or Ctrl+C resumes the download; a complete dataset is left alone.");
        return string.Join(Environment.NewLine, lines);
    }

    private static bool TryParseChecksum(ParseResult parse, string? text, out FileHash? hash, out bool verify)
    {
        hash = null;
        verify = true;
        if (text is null)
        {
            return true;
        }

        if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            verify = false;
            return true;
        }

        try
        {
            hash = FileHash.Parse(text);
            return true;
        }
        catch (FormatException e)
        {
            parse.InvocationConfiguration.Error.WriteLine($"--checksum: {e.Message}");
            return false;
        }
    }

    /// <summary>Turns fetch progress into Spectre tasks: one bar for the download, one for unpacking.</summary>
    internal sealed class FetchDisplay(ProgressContext context, DownloadSource source, Uri url) : IProgress<FetchProgress>
    {
        private ProgressTask? download;
        private ProgressTask? extract;

        public void Report(FetchProgress value)
        {
            if (value.Stage == FetchStage.Download)
            {
                // The bar counts this session's bytes only: resumed bytes would read as a burst of speed.
                download ??= context.AddTask(value.Resumed > 0
                    ? $"{Markup.Escape(source.Name)}: resuming {Markup.Escape(url.Host)} from {FormatBytes(value.Resumed)}"
                    : $"{Markup.Escape(source.Name)}: {Markup.Escape(url.Host)}", maxValue: 1);
                download.IsIndeterminate = value.Total is null;
                download.MaxValue = Math.Max(1, (value.Total ?? value.Done) - value.Resumed);
                download.Value = value.Done - value.Resumed;
                return;
            }

            download?.StopTask();
            extract ??= context.AddTask($"{Markup.Escape(source.Name)}: unpacking", maxValue: 1);
            extract.MaxValue = Math.Max(1, value.Total ?? value.Done);
            extract.Value = value.Done;
        }

        public void Finish()
        {
            foreach (var task in new[] { download, extract })
            {
                if (task is not null)
                {
                    task.IsIndeterminate = false;
                    task.Value = task.MaxValue;
                    task.StopTask();
                }
            }
        }
    }
}
