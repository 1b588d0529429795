using System.CommandLine;
using Segmentation.Cli.Commands;

var root = new RootCommand("segml — semantic segmentation with hypercolumns, on the CPU.")
{
    BenchCommand.Create(),
    new Command("data", "Dataset statistics and downloads.") { DataStatsCommand.Create() },
    ImageCommands.Create(),
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    PredictCommand.Create(),
};
var parse = root.Parse(args);
int exitCode = await parse.InvokeAsync();
return parse.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
