using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Segmentation.Cli.Commands;

/// <summary>
/// Help that teaches: a command's <c>--help</c> ends with worked examples and its exit codes, which the
/// command list of <c>segml --help</c> leaves out (there each command keeps its one-line description).
/// </summary>
internal static class CommandHelp
{
    public static void AddSections(Command command, string examples, string exitCodes)
    {
        var help = new HelpOption();
        help.Action = new WithSections((HelpAction)help.Action!, examples, exitCodes);
        command.Options.Add(help);
    }

    private sealed class WithSections(HelpAction standard, string examples, string exitCodes) : SynchronousCommandLineAction
    {
        /// <summary>As the standard help: asking for help is not an error, even when required options are missing.</summary>
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parse)
        {
            int exit = standard.Invoke(parse);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine("Examples:");
            foreach (string line in examples.Split('\n')) output.WriteLine("  " + line);
            output.WriteLine();
            output.WriteLine("Exit codes:");
            output.WriteLine("  " + exitCodes);
            output.WriteLine();
            return exit;
        }
    }
}
