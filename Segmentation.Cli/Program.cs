using System.CommandLine;
using Segmentation.Cli.Commands;

var root = new RootCommand("segml — semantic segmentation with hypercolumns, on the CPU.")
{
    BenchCommand.Create(),
    new Command("data", "Datasets: download them.") { DataFetchCommand.Create() },
    new Command("weights", "Pretrained backbone weights: download them.") { WeightsFetchCommand.Create() },
};
var parse = root.Parse(args);
int exitCode = await parse.InvokeAsync();
return parse.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
