using System.CommandLine;
using Segmentation.Cli.Commands;

var root = new RootCommand("segml — semantic segmentation with hypercolumns, on the CPU.")
{
    DemoCommand.Create(),
    BenchCommand.Create(),
    new Command("data", "Dataset statistics and downloads.") { DataStatsCommand.Create(), DataFetchCommand.Create() },
    ImageCommands.Create(),
    new Command("weights", "Pretrained checkpoints: inspect and download.") { WeightsInspectCommand.Create(), WeightsFetchCommand.Create() },
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    PredictCommand.Create(),
};
var parse = root.Parse(args);
int exitCode = await parse.InvokeAsync();
return parse.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
