using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Segmentation.ML.Diagnostics;
using Segmentation.ML.Tensors;
using Spectre.Console;

namespace Segmentation.Cli.Commands;

/// <summary><c>segml bench</c>: this machine's FMA peak, and the GEMM and the ONNX Runtime backbones measured against it.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Fewer repeats: the whole run takes well under a minute." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (peak_gflops, gemm_2048_gflops, vgg16_224_ms, vgg16_375x500_ms, mobilenet_v2_224_ms, resnet18_224_ms, predict_480x360_ms, predict_480x360_resnet18_ms, jpeg_500x375_ms, png_480x360_ms, rows, decode) instead of tables." };
        var threads = new Option<int?>("--threads") { Description = "Threads for the GEMM and ONNX Runtime's intra-op pool (default: all cores)." };
        var command = new Command("bench", "Measure the FMA peak, the head's SGEMM at 2048³ and VGG16's shapes, the VGG16 convolution stack at 224×224 and 500×375 and every backbone's forward pass on ONNX Runtime, and JPEG (SkiaSharp) and PNG decoding on one thread. Times are medians of repeated runs.")
        {
            quick, json, threads,
        };
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(threads) is int count)
            {
                if (count < 1)
                {
                    Console.Error.WriteLine($"--threads must be at least 1; got {count}.");
                    return Task.FromResult(ExitCodes.Usage);
                }
                TensorKernels.MaxDegreeOfParallelism = count;
            }
            var options = new BenchmarkOptions { Quick = parse.GetValue(quick) };
            try
            {
                return Task.FromResult(parse.GetValue(json) ? RunJson(options, cancellation) : RunTable(options, cancellation));
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("Cancelled.");
                return Task.FromResult(ExitCodes.Cancelled);
            }
        });
        return command;
    }

    private static int RunJson(BenchmarkOptions options, CancellationToken cancellation)
    {
        var report = KernelBenchmark.Run(options, progress: null, cancellation);
        var rows = new JsonArray();
        foreach (var row in report.Rows)
            rows.Add(new JsonObject
            {
                ["name"] = row.Name,
                ["description"] = row.Description,
                ["median_ms"] = Math.Round(row.MedianMilliseconds, 3),
                ["min_ms"] = Math.Round(row.MinMilliseconds, 3),
                ["gflops"] = Math.Round(row.Gflops, 2),
                ["percent_of_peak"] = Math.Round(row.PercentOfPeak, 1),
                ["repeats"] = row.Repeats,
            });
        var result = new JsonObject
        {
            ["threads"] = report.Threads,
            ["vector_width_bits"] = report.VectorWidthBits,
            ["peak_gflops"] = Math.Round(report.PeakGflops, 2),
            ["gemm_2048_gflops"] = Round(report.Find("gemm_2048")?.Gflops, 2),
            ["vgg16_224_ms"] = Round(report.Find("vgg16_224")?.MedianMilliseconds, 3),
            ["vgg16_375x500_ms"] = Round(report.Find("vgg16_375x500")?.MedianMilliseconds, 3),
            ["mobilenet_v2_224_ms"] = Round(report.Find("mobilenet_v2_224")?.MedianMilliseconds, 3),
            ["resnet18_224_ms"] = Round(report.Find("resnet18_224")?.MedianMilliseconds, 3),
            ["predict_480x360_ms"] = Round(report.Find("predict_480x360")?.MedianMilliseconds, 3),
            ["predict_480x360_resnet18_ms"] = Round(report.Find("predict_480x360_resnet18")?.MedianMilliseconds, 3),
            ["jpeg_500x375_ms"] = Round(report.DecodeRows.FirstOrDefault(r => r.Name == "jpeg_500x375")?.MillisecondsPerImage, 3),
            ["png_480x360_ms"] = Round(report.DecodeRows.FirstOrDefault(r => r.Name == "png_480x360")?.MillisecondsPerImage, 3),
            ["rows"] = rows,
            ["decode"] = new JsonArray(report.DecodeRows.Select(r => (JsonNode)new JsonObject
            {
                ["name"] = r.Name,
                ["description"] = r.Description,
                ["ms_per_image"] = Math.Round(r.MillisecondsPerImage, 3),
                ["images_per_s"] = Math.Round(r.ImagesPerSecond, 1),
                ["encoded_mb_per_s"] = Math.Round(r.EncodedMegabytesPerSecond, 1),
                ["decoded_mb_per_s"] = Math.Round(r.DecodedMegabytesPerSecond, 1),
            }).ToArray()),
        };
        Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return ExitCodes.Success;
    }

    private static double? Round(double? value, int digits) => value is double v ? Math.Round(v, digits) : null;

    private static int RunTable(BenchmarkOptions options, CancellationToken cancellation)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Benchmark")
            .AddColumn(new TableColumn("Median ms").RightAligned())
            .AddColumn(new TableColumn("Min ms").RightAligned())
            .AddColumn(new TableColumn("GFLOP/s").RightAligned())
            .AddColumn(new TableColumn("% of peak").RightAligned());
        BenchmarkReport? report = null;
        AnsiConsole.Status().Start("Measuring the FMA peak and the kernels…", _ =>
        {
            report = KernelBenchmark.Run(options, new RowPrinter(table), cancellation);
        });
        AnsiConsole.MarkupLine($"FMA peak [bold]{report!.PeakGflops:F1} GFLOP/s[/] on {report.Threads} threads, {(report.VectorWidthBits == 0 ? "scalar" : report.VectorWidthBits + "-bit vectors")}.");
        AnsiConsole.Write(table);
        var decode = new Table().Border(TableBorder.Rounded)
            .AddColumn("Decode")
            .AddColumn(new TableColumn("ms / image").RightAligned())
            .AddColumn(new TableColumn("images/s").RightAligned())
            .AddColumn(new TableColumn("MB/s in").RightAligned())
            .AddColumn(new TableColumn("MB/s out").RightAligned());
        foreach (var row in report.DecodeRows)
            decode.AddRow(row.Description, row.MillisecondsPerImage.ToString("F2"), row.ImagesPerSecond.ToString("F0"),
                row.EncodedMegabytesPerSecond.ToString("F0"), row.DecodedMegabytesPerSecond.ToString("F0"));
        AnsiConsole.Write(decode);
        return ExitCodes.Success;
    }

    private sealed class RowPrinter(Table table) : IProgress<BenchmarkRow>
    {
        public void Report(BenchmarkRow row) => table.AddRow(
            row.Description, row.MedianMilliseconds.ToString("F1"), row.MinMilliseconds.ToString("F1"),
            row.Gflops.ToString("F1"), row.PercentOfPeak.ToString("F0") + " %");
    }
}
